package domain

import (
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
