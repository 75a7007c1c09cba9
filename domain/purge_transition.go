package domain

import "time"

// The purge's decisions on an admin's or ops' input, as pure functions of
// the purge and the time: the workflow carries them out (workflows/purge_inbox.go).

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

// HoldLifted says a hold lifted now would resume p (so the run takes up
// the lead first, purge_lead.go).
func HoldLifted(p Purge, held bool) bool { return !held && p.Status == RetentionHeld }

// PurgeHoldChanged is p after a legal hold was set (held) or lifted at now, with
// the audit action and detail to record; ok false: nothing changes. lead:
// a hold lifted late, or from a purge that had begun, moves the date to the
// lead from now (the admins are told again); a purge that had begun goes on
// from where it stopped, on that date. Without the lead (before r5) a purge
// a hold stopped went on where it was.
func PurgeHoldChanged(p Purge, held bool, reason string, now time.Time, day time.Duration, lead bool) (next Purge, action Action, detail map[string]any, ok bool) {
	next = p
	switch {
	case held && p.Status == RetentionScheduled:
		next.Status = RetentionHeld
		return next, ActionPurgeHeld, map[string]any{"reason": reason}, true
	case HoldLifted(p, held):
		next.Status = RetentionScheduled
		if p.StartedAt != nil && !lead {
			next.Status = RetentionPurging
		}
		detail = map[string]any{"purge_at": p.PurgeAt}
		if lead {
			next.PurgeAt = PurgeAfterHold(p.PurgeAt, now, day)
			if p.StartedAt != nil {
				next.PurgeAt = PurgeAfterHold(now, now, day)
			}
			detail["purge_at"], detail["from"] = next.PurgeAt, p.PurgeAt
		}
		return next, ActionPurgeResumed, detail, true
	}
	return p, "", nil, false
}
