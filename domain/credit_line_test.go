package domain

import (
	"testing"
	"time"
)

// TestCreditLineTransitions: the credit line is the last Meta part; an
// attempt at it completes the removal when nothing else is owed (revoked,
// or kept with its note), fails to ops after a permanent refusal or the last
// transient one, and leaves the document handed in as it was. Before it is
// settled the removal still owes it, whatever else settled.
func TestCreditLineTransitions(t *testing.T) {
	at := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	owed := MetaOwed{Subscription: true, CreditLine: true}
	from := Removal{Status: StatusUnlinking, UpdatedAt: at, Notes: []string{}, Impact: &Impact{Kind: KindWhatsAppCloud},
		MetaUnlink: MetaUnlink{Status: UnlinkDone, CreditLine: &CreditLineRelease{Status: CreditLinePending}}}
	if MetaParts[len(MetaParts)-1] != PartCreditLine || !owed.Owes(from, PartCreditLine) || owed.Owes(from, PartSubscription) {
		t.Fatalf("the credit line is not owed last: %v", MetaParts)
	}
	cases := []struct {
		o      Outcome
		last   bool
		status Status
		credit CreditLineStatus
		note   string
	}{
		{OutcomeDone, false, StatusCompleted, CreditLineRevoked, ""},
		{OutcomeKept, false, StatusCompleted, CreditLineKept, NoteCreditLineKept},
		{OutcomeTransient, false, StatusUnlinking, CreditLinePending, ""},
		{OutcomeTransient, true, StatusCompletedWithWarnings, CreditLineFailed, ""},
		{OutcomePermanent, false, StatusCompletedWithWarnings, CreditLineFailed, ""},
	}
	for i, c := range cases {
		plan := AttemptPlan{Part: PartCreditLine, Last: c.last, Owed: owed}
		got, ok := plan.After(from, c.o, PartCreditLine.Facts("Revogação da linha de crédito: falhou"))
		if !ok || got.Status != c.status || got.MetaUnlink.CreditLine.Status != c.credit {
			t.Fatalf("case %d (%s): %v %s / %+v", i, c.o, ok, got.Status, got.MetaUnlink.CreditLine)
		}
		if c.o == OutcomeTransient || c.o == OutcomePermanent {
			if got.MetaUnlink.CreditLine.LastError == "" || !owed.Owes(got, PartCreditLine) {
				t.Errorf("case %d: the failure is not shown or not owed: %+v", i, got.MetaUnlink.CreditLine)
			}
		} else if owed.OwesAny(got) {
			t.Errorf("case %d: still owed after %s", i, c.o)
		}
		if c.note != "" && (len(got.Notes) == 0 || got.Notes[0] != c.note) {
			t.Errorf("case %d: notes %v", i, got.Notes)
		}
	}
	if from.MetaUnlink.CreditLine.Status != CreditLinePending || len(from.Notes) != 0 {
		t.Fatalf("the document handed in was changed: %+v", from.MetaUnlink.CreditLine)
	}
	// A removal that owes the credit line is not completed by its subscription.
	sub, _ := AttemptPlan{Part: PartSubscription, UnlinkAttempts: 1, Owed: owed}.After(
		Removal{Status: StatusUnlinking, Notes: []string{}, MetaUnlink: MetaUnlink{Status: UnlinkUnlinking}}, OutcomeDone, Facts{})
	if sub.Status != StatusUnlinking {
		t.Fatalf("completed with the credit line owed: %s", sub.Status)
	}
}
