package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// TestAnAbandonedMetaCallIsTakenOverByAResetRun: a run closed with a call
// open (its worker died mid-call, then ops terminated it) has the call
// abandoned by the reconciler, and the credit line's job abandoned without
// counting the attempt. Ops then reset the closed run: the reset run keeps
// the first run's id, so its try of that attempt claims the same key. It
// must take the call over and call again (a repeat is safe), not be handed
// the abandoned row as a settled answer with no answer in it, which the
// activity cannot read and retries, without a limit, forever.
func TestAnAbandonedMetaCallIsTakenOverByAResetRun(t *testing.T) {
	_, db := testdb.New(t)
	s, ctx := postgres.New(db), context.Background()
	const removal, run = "remove-channel:mc-reset", "first-run"
	if _, c, err := s.ClaimMetaCall(ctx, removal, run, domain.PartCreditLine, 3, time.Minute); err != nil || !c.Mine {
		t.Fatalf("the dead try's claim: %+v %v", c, err)
	}
	if gone, err := s.AbandonMetaCalls(ctx, removal, run); err != nil || len(gone) != 1 {
		t.Fatalf("abandoned: %+v %v", gone, err)
	}
	claim, c, err := s.ClaimMetaCall(ctx, removal, run, domain.PartCreditLine, 3, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Mine || c.Calls != 2 || claim == "" {
		t.Fatalf("the reset run's try of the abandoned call: %+v (answer %q); want it taken over, a second call", c, c.Answer)
	}
	if open, _ := s.OpenMetaCalls(ctx, 10); len(open) != 1 || open[0].Status != domain.MetaCallOpen {
		t.Fatalf("open after the takeover: %+v", open)
	}
	if err := s.SettleMetaCall(ctx, removal, run, domain.PartCreditLine, 3, claim, domain.MetaCallDone, []byte(`{"outcome":"revoked"}`)); err != nil {
		t.Fatal(err)
	}
	if _, c, err := s.ClaimMetaCall(ctx, removal, run, domain.PartCreditLine, 4, time.Minute); err != nil || !c.Settled || c.Status != domain.MetaCallDone {
		t.Fatalf("the part, done by the reset run: %+v %v", c, err)
	}
}
