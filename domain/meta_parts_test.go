package domain

import (
	"testing"
	"time"
)

// TestAnAttemptsOneTransition: for each part and outcome, the document an
// attempt leads to, from one removal unlinking; the removal completes only
// when nothing else is owed, waits for ops after a permanent failure or the
// last transient one, and the document handed in is left as it was.
func TestAnAttemptsOneTransition(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	owed := MetaOwed{Subscription: true, Number: true, WABAOverride: true}
	from := Removal{Status: StatusUnlinking, UpdatedAt: at, Notes: []string{},
		Impact:     &Impact{Kind: KindWhatsAppCloud},
		MetaUnlink: MetaUnlink{Status: UnlinkUnlinking, Number: &NumberRelease{Status: NumberPending}}}
	cases := []struct {
		plan    AttemptPlan
		o       Outcome
		status  Status
		unlink  UnlinkStatus
		number  NumberStatus
		invalid bool
	}{
		{AttemptPlan{Part: PartSubscription, UnlinkAttempts: 1, Owed: owed}, OutcomeDone, StatusUnlinking, UnlinkDone, NumberPending, false},
		{AttemptPlan{Part: PartSubscription, UnlinkAttempts: 1, Owed: owed}, OutcomeKept, StatusUnlinking, UnlinkSkipped, NumberPending, false},
		{AttemptPlan{Part: PartSubscription, UnlinkAttempts: 2, Owed: owed}, OutcomeTransient, StatusUnlinking, UnlinkUnlinking, NumberPending, false},
		{AttemptPlan{Part: PartSubscription, UnlinkAttempts: 8, Last: true, Owed: owed}, OutcomeTransient, StatusCompletedWithWarnings, UnlinkFailed, NumberPending, false},
		{AttemptPlan{Part: PartSubscription, UnlinkAttempts: 1, Owed: owed}, OutcomePermanent, StatusCompletedWithWarnings, UnlinkFailed, NumberPending, false},
		{AttemptPlan{Part: PartNumber, Owed: MetaOwed{Number: true}}, OutcomeDone, StatusCompleted, UnlinkUnlinking, NumberReleased, false},
		{AttemptPlan{Part: PartNumber, Owed: owed}, OutcomeKept, "", "", "", true},
		{AttemptPlan{Part: PartNumber, Owed: owed}, OutcomePermanent, StatusCompletedWithWarnings, UnlinkUnlinking, NumberFailed, false},
	}
	for i, c := range cases {
		got, ok := c.plan.After(from, c.o, Facts{})
		if ok == c.invalid {
			t.Fatalf("case %d: ok %v", i, ok)
		}
		if c.invalid {
			continue
		}
		if got.Status != c.status || got.MetaUnlink.Status != c.unlink || got.MetaUnlink.Number.Status != c.number {
			t.Errorf("case %d (%v %s): %s / %s / %s, want %s / %s / %s", i, c.plan.Part, c.o, got.Status, got.MetaUnlink.Status,
				got.MetaUnlink.Number.Status, c.status, c.unlink, c.number)
		}
		if got.Status == StatusCompleted && (got.CompletedAt == nil || !got.CompletedAt.Equal(at) || len(got.Notes) != 2 ||
			got.Notes[1] != NoteNumberMove) {
			t.Errorf("case %d: completed at %v with notes %v, want at the decision's time with the number's notes", i, got.CompletedAt, got.Notes)
		}
	}
	if from.MetaUnlink.Number.Status != NumberPending || len(from.Notes) != 0 || from.MetaUnlink.Status != UnlinkUnlinking {
		t.Fatalf("the document handed in was changed: %+v", from.MetaUnlink)
	}
}
