package domain

import (
	"fmt"
	"time"
)

// The purge's decisions, as pure functions of the purge and the time: the
// workflow carries them out (workflows/purge*.go).

// PurgeChange is what a purge becomes and the audit record that says why
// (Action "": nothing to record).
type PurgeChange struct {
	Next   Purge
	Action Action
	Detail map[string]any
}

// purgeHoldReason is the hold a batch or the start found (pt-BR, the record's).
const purgeHoldReason = "retenção legal no canal"

// PurgeRefusal is why a cancel (move false) or a move to at cannot be done
// at now (nil: it can). Once the purge has started it runs to its end; only
// a hold stops it. lead: the move must leave the admins the notice lead.
func PurgeRefusal(p Purge, move bool, at, now time.Time, day time.Duration, lead bool) *Error {
	if !p.Status.Pending() {
		return Errorf(CodeInvalidState, "a exclusão das mensagens já começou ou terminou (%s)", p.Status)
	}
	switch {
	case !move:
	case lead && PurgeTooSoon(at, now, day):
		return PurgeTooSoonRefusal(now, day)
	case !at.After(now):
		return Errorf(CodeInvalid, "a nova data da exclusão deve estar no futuro")
	}
	return nil
}

// PurgeCommanded is a pending purge cancelled (move false) or moved to at,
// once PurgeRefusal allowed it.
func PurgeCommanded(p Purge, move bool, at time.Time) PurgeChange {
	next := p
	if !move {
		next.Status = RetentionCancelled
		return PurgeChange{next, ActionPurgeCancelled, map[string]any{"purge_at": p.PurgeAt}}
	}
	next.PurgeAt = at.UTC()
	return PurgeChange{next, ActionPurgeMoved, map[string]any{"from": p.PurgeAt, "to": next.PurgeAt}}
}

// PurgeStoppedByOps is p cancelled by ops from Temporal: a pending purge is
// cancelled; one that had begun stops where it is, its record saying how far
// it went.
func PurgeStoppedByOps(p Purge) PurgeChange {
	next := p
	next.Status = RetentionCancelled
	return PurgeChange{next, ActionPurgeCancelled, map[string]any{"purge_at": p.PurgeAt,
		"from": string(p.Status), "purged_messages": p.PurgedMessages}}
}

// HoldLifted says a hold lifted now would resume p (so the run takes up
// the lead first, workflows/purge.go).
func HoldLifted(p Purge, held bool) bool { return !held && p.Status == RetentionHeld }

// PurgeHoldChanged is p after a legal hold was set (held) or lifted at now
// (Action "": nothing changes). lead: a hold lifted late, or from a purge
// that had begun, moves the date to the lead from now (the admins are told
// again); a purge that had begun goes on from where it stopped, on that
// date. Without the lead (before r5) a purge a hold stopped went on where
// it was.
func PurgeHoldChanged(p Purge, held bool, reason string, now time.Time, day time.Duration, lead bool) PurgeChange {
	next := p
	switch {
	case held && p.Status == RetentionScheduled:
		next.Status = RetentionHeld
		return PurgeChange{next, ActionPurgeHeld, map[string]any{"reason": reason}}
	case HoldLifted(p, held):
		next.Status = RetentionScheduled
		if p.StartedAt != nil && !lead {
			next.Status = RetentionPurging
		}
		detail := map[string]any{"purge_at": p.PurgeAt}
		if lead {
			next.PurgeAt = PurgeAfterHold(p.PurgeAt, now, day)
			if p.StartedAt != nil {
				next.PurgeAt = PurgeAfterHold(now, now, day)
			}
			detail["purge_at"], detail["from"] = next.PurgeAt, p.PurgeAt
		}
		return PurgeChange{next, ActionPurgeResumed, detail}
	}
	return PurgeChange{Next: p}
}

// PurgeDue is what a scheduled purge has to do at now.
type PurgeDue int

const (
	PurgeWaits     PurgeDue = iota // until wake
	PurgeNoticeDue                 // tell the admins
	PurgeDateDue                   // start
)

// PurgeScheduledStep is what a scheduled purge does at now, its notice for
// its date sent when noticedFor is that date: the notice, the start, or a
// wait until wake, summary saying for what in Temporal Web.
func PurgeScheduledStep(p Purge, noticedFor, now time.Time, day time.Duration) (due PurgeDue, wake time.Time, summary string) {
	noticed, noticeAt := noticedFor.Equal(p.PurgeAt), PurgeNoticeAt(p.PurgeAt, day)
	switch {
	case !noticed && !now.Before(noticeAt):
		return PurgeNoticeDue, time.Time{}, ""
	case !now.Before(p.PurgeAt):
		return PurgeDateDue, time.Time{}, ""
	case !noticed:
		return PurgeWaits, noticeAt, fmt.Sprintf("até o aviso aos administradores (%d dias antes)", PurgeNoticeDays)
	}
	return PurgeWaits, p.PurgeAt, "até a exclusão das mensagens"
}

// PurgeHoldRereadSummary labels, in Temporal Web, a held purge's wait to
// re-read its hold.
const PurgeHoldRereadSummary = "relê a retenção legal (a cada dia)"

// PurgeStart is the record the start writes as it reads the hold.
func PurgeStart(p Purge) PurgeChange {
	return PurgeChange{p, ActionPurgeStarted, map[string]any{"purge_at": p.PurgeAt}}
}

// PurgeStarted is p started at now: purging, or held when a hold stands. A
// purge a hold stopped keeps when it first began.
func PurgeStarted(p Purge, held bool, now time.Time) PurgeChange {
	next := p
	if held {
		next.Status = RetentionHeld
		return PurgeChange{next, ActionPurgeHeld, map[string]any{"reason": purgeHoldReason}}
	}
	next.Status = RetentionPurging
	if next.StartedAt == nil {
		next.StartedAt = &now
	}
	return PurgeChange{Next: next}
}

// PurgeAfterBatch is p after a batch, counted its counts so far: purging
// on, held (a hold stops it) or purged (done).
func PurgeAfterBatch(p, counted Purge, held, done bool) PurgeChange {
	next := counted
	next.Status, next.StartedAt = p.Status, p.StartedAt
	switch {
	case held:
		next.Status = RetentionHeld
		return PurgeChange{next, ActionPurgeHeld, map[string]any{"reason": purgeHoldReason, "purged_messages": next.PurgedMessages}}
	case done:
		next.Status = RetentionPurged
		return PurgeChange{next, ActionMessagesPurged, map[string]any{"messages": next.PurgedMessages, "conversations": next.PurgedConversations}}
	}
	return PurgeChange{Next: next}
}

// PurgeUntold is p on its date when untold admins had not accepted its
// notice (r5): moved to the lead from now, so every admin is told again.
func PurgeUntold(p Purge, untold int, now time.Time, day time.Duration) PurgeChange {
	next := p
	next.PurgeAt = PurgeAfterHold(p.PurgeAt, now, day)
	return PurgeChange{next, ActionPurgeMoved, map[string]any{"from": p.PurgeAt, "to": next.PurgeAt,
		"reason": "aviso não entregue a todos os administradores", "untold": untold}}
}

// PurgeNoticeKey keys a purge's notice of kind (the notice workflow's id):
// the admins' notice that it is near, and ops' that it waits, once per date
// (a moved purge is announced again); the one that it is done, once per
// removal run.
func PurgeNoticeKey(kind NoticeKind, p Purge, removalRunID string) string {
	if kind == NoticePurgeDone {
		return p.ChannelID + ":" + removalRunID
	}
	return fmt.Sprintf("%s:%d", p.ChannelID, p.PurgeAt.Unix())
}
