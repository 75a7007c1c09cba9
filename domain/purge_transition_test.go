package domain

import (
	"fmt"
	"testing"
	"time"
)

// TestPurgeRefusesWhatCannotBeDoneNow: a started purge refuses cancel and
// move; a move must be in the future and, under the lead, leave the admins
// the notice lead; a cancel of a pending purge is allowed.
func TestPurgeRefusesWhatCannotBeDoneNow(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	pending, started := Purge{Status: RetentionScheduled}, Purge{Status: RetentionPurging}
	for name, c := range map[string]struct {
		p    Purge
		move bool
		at   time.Time
		lead bool
		want Code
	}{
		"cancel pending":      {pending, false, time.Time{}, true, ""},
		"cancel started":      {started, false, time.Time{}, true, CodeInvalidState},
		"move in the past":    {pending, true, now.Add(-time.Hour), false, CodeInvalid},
		"move within lead":    {pending, true, now.Add(day), true, CodePurgeTooSoon},
		"move past the lead":  {pending, true, now.Add(PurgeLead(day) + time.Hour), true, ""},
		"move soon, pre-lead": {pending, true, now.Add(day), false, ""},
	} {
		got := PurgeRefusal(c.p, c.move, c.at, now, day, c.lead)
		if (got == nil && c.want != "") || (got != nil && got.Code != c.want) {
			t.Errorf("%s: %v, want %q", name, got, c.want)
		}
	}
}

// TestAHoldChangesOnlyAPendingPurge: a hold set holds a scheduled purge; a
// lift resumes a held one, on its date or, when that no longer leaves the
// lead, on the lead from now; a purge that had begun resumes on the lead
// from now (before the lead: where it was); anything else changes nothing.
func TestAHoldChangesOnlyAPendingPurge(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	far, near := now.Add(30*day), now.Add(day)
	begun := now.Add(-day)
	if c := PurgeHoldChanged(Purge{Status: RetentionScheduled, PurgeAt: far}, true, "juízo", now, day, true); c.Next.Status != RetentionHeld ||
		c.Action != ActionPurgeHeld || c.Detail["reason"] != "juízo" {
		t.Errorf("set: %+v", c)
	}
	if c := PurgeHoldChanged(Purge{Status: RetentionHeld}, true, "", now, day, true); c.Action != "" {
		t.Error("a hold set on a held purge changed it")
	}
	if c := PurgeHoldChanged(Purge{Status: RetentionScheduled}, false, "", now, day, true); c.Action != "" {
		t.Error("a lift on a scheduled purge changed it")
	}
	if c := PurgeHoldChanged(Purge{Status: RetentionHeld, PurgeAt: far}, false, "", now, day, true); c.Next.Status != RetentionScheduled ||
		!c.Next.PurgeAt.Equal(far) || c.Action != ActionPurgeResumed {
		t.Errorf("lift, far date: %+v", c)
	}
	if c := PurgeHoldChanged(Purge{Status: RetentionHeld, PurgeAt: near}, false, "", now, day, true); PurgeTooSoon(c.Next.PurgeAt, now, day) ||
		!c.Detail["from"].(time.Time).Equal(near) {
		t.Errorf("lift, late: %+v", c)
	}
	if c := PurgeHoldChanged(Purge{Status: RetentionHeld, PurgeAt: far, StartedAt: &begun}, false, "", now, day, true); c.Next.Status != RetentionScheduled ||
		!c.Next.PurgeAt.Equal(PurgeAfterHold(now, now, day)) {
		t.Errorf("lift, begun: %+v", c)
	}
	if c := PurgeHoldChanged(Purge{Status: RetentionHeld, PurgeAt: near, StartedAt: &begun}, false, "", now, day, false); c.Next.Status != RetentionPurging ||
		!c.Next.PurgeAt.Equal(near) {
		t.Errorf("lift, begun, before the lead: %+v", c)
	}
}

// TestAPurgeCommandedOrStoppedSaysFromWhat: a cancel records the date, a
// move where from and to (in UTC), ops' cancel how far the purge went.
func TestAPurgeCommandedOrStoppedSaysFromWhat(t *testing.T) {
	at := time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)
	p := Purge{Status: RetentionScheduled, PurgeAt: at}
	if c := PurgeCommanded(p, false, time.Time{}); c.Next.Status != RetentionCancelled || c.Action != ActionPurgeCancelled || c.Detail["purge_at"] != at {
		t.Errorf("cancel: %+v", c)
	}
	to := at.Add(24 * time.Hour).In(time.FixedZone("BRT", -3*3600))
	if c := PurgeCommanded(p, true, to); c.Next.PurgeAt.Location() != time.UTC || !c.Next.PurgeAt.Equal(to) || c.Next.Status != RetentionScheduled ||
		c.Action != ActionPurgeMoved || c.Detail["from"] != at || c.Detail["to"] != c.Next.PurgeAt {
		t.Errorf("move: %+v", c)
	}
	begun := Purge{Status: RetentionPurging, PurgeAt: at, PurgedMessages: 42}
	if c := PurgeStoppedByOps(begun); c.Next.Status != RetentionCancelled || c.Next.PurgedMessages != 42 || c.Action != ActionPurgeCancelled ||
		c.Detail["from"] != string(RetentionPurging) || c.Detail["purged_messages"] != int64(42) {
		t.Errorf("ops: %+v", c)
	}
}

// TestAScheduledPurgeTellsTheAdminsThenStarts: it waits for the notice day,
// tells the admins once per date, waits for the date, then starts.
func TestAScheduledPurgeTellsTheAdminsThenStarts(t *testing.T) {
	day := 24 * time.Hour
	at := time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)
	p, noticeAt := Purge{Status: RetentionScheduled, PurgeAt: at}, PurgeNoticeAt(at, day)
	for name, c := range map[string]struct {
		noticed, now time.Time
		due          PurgeDue
		wake         time.Time
	}{
		"before the notice": {time.Time{}, noticeAt.Add(-time.Hour), PurgeWaits, noticeAt},
		"notice day":        {time.Time{}, noticeAt, PurgeNoticeDue, time.Time{}},
		"told, before":      {at, noticeAt, PurgeWaits, at},
		"told an old date":  {at.Add(-day), at.Add(-time.Hour), PurgeNoticeDue, time.Time{}},
		"told, the date":    {at, at, PurgeDateDue, time.Time{}},
	} {
		due, wake, summary := PurgeScheduledStep(p, c.noticed, c.now, day)
		if due != c.due || !wake.Equal(c.wake) || (due == PurgeWaits) != (summary != "") {
			t.Errorf("%s: %v %v %q", name, due, wake, summary)
		}
	}
}

// TestAPurgeStartsOrIsHeld: the start purges, keeping when a purge a hold
// stopped first began, or is held (recorded); a batch goes on (nothing
// recorded), is held or ends purged, with the counts so far.
func TestAPurgeStartsOrIsHeld(t *testing.T) {
	now := time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)
	first := now.Add(-time.Hour)
	p := Purge{Status: RetentionScheduled, PurgeAt: now}
	if c := PurgeStart(p); c.Action != ActionPurgeStarted || c.Detail["purge_at"] != now {
		t.Errorf("start: %+v", c)
	}
	if c := PurgeStarted(p, false, now); c.Action != "" || c.Next.Status != RetentionPurging || !c.Next.StartedAt.Equal(now) {
		t.Errorf("started: %+v", c)
	}
	if c := PurgeStarted(Purge{Status: RetentionScheduled, StartedAt: &first}, false, now); !c.Next.StartedAt.Equal(first) {
		t.Errorf("started again: %+v", c)
	}
	if c := PurgeStarted(p, true, now); c.Action != ActionPurgeHeld || c.Next.Status != RetentionHeld || c.Next.StartedAt != nil {
		t.Errorf("held at the start: %+v", c)
	}
	purging := Purge{Status: RetentionPurging, StartedAt: &first}
	counted := Purge{PurgedMessages: 500, PurgedConversations: 3}
	if c := PurgeAfterBatch(purging, counted, false, false); c.Action != "" || c.Next.Status != RetentionPurging || c.Next.StartedAt != &first ||
		c.Next.PurgedMessages != 500 {
		t.Errorf("batch: %+v", c)
	}
	if c := PurgeAfterBatch(purging, counted, true, false); c.Action != ActionPurgeHeld || c.Next.Status != RetentionHeld || c.Detail["purged_messages"] != int64(500) {
		t.Errorf("held batch: %+v", c)
	}
	if c := PurgeAfterBatch(purging, counted, false, true); c.Action != ActionMessagesPurged || c.Next.Status != RetentionPurged ||
		c.Detail["conversations"] != int64(3) {
		t.Errorf("last batch: %+v", c)
	}
}

// TestAPurgeWithUntoldAdminsMovesByTheLead, and its notices are keyed once
// per date (near, waits) or per removal run (done).
func TestAPurgeWithUntoldAdminsMovesByTheLead(t *testing.T) {
	day := 24 * time.Hour
	at := time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC)
	p := Purge{ChannelID: "ch", Status: RetentionScheduled, PurgeAt: at}
	c := PurgeUntold(p, 2, at, day)
	if PurgeTooSoon(c.Next.PurgeAt, at, day) || c.Action != ActionPurgeMoved || c.Detail["untold"] != 2 || c.Detail["from"] != at {
		t.Errorf("untold: %+v", c)
	}
	if k := PurgeNoticeKey(NoticePurgeSoon, p, "run"); k != fmt.Sprintf("ch:%d", at.Unix()) || PurgeNoticeKey(NoticePurgeWaits, p, "run") != k {
		t.Errorf("soon: %s", k)
	}
	if k := PurgeNoticeKey(NoticePurgeDone, p, "run"); k != "ch:run" {
		t.Errorf("done: %s", k)
	}
}
