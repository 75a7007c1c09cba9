package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// TestAMetaCallsIntentThroughItsLife: one attempt's call is held by the try
// that claimed it (another finds it held), taken over once released (its
// worker gone), settled once; a failed answer holds for its attempt only,
// a done one for every later attempt of the part; ops list the open ones,
// and a closed run's open calls are abandoned.
func TestAMetaCallsIntentThroughItsLife(t *testing.T) {
	_, db := testdb.New(t)
	s, ctx := postgres.New(db), context.Background()
	const removal, run = "remove-channel:mc", "run-1"
	claim := func(n int) (string, domain.MetaCallClaim) {
		t.Helper()
		c, got, err := s.ClaimMetaCall(ctx, removal, run, domain.PartNumber, n, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return c, got
	}
	first, c := claim(1)
	if !c.Mine || c.Calls != 1 {
		t.Fatalf("first claim: %+v", c)
	}
	if _, c := claim(1); c.Mine || c.Settled || c.HeldUntil.IsZero() {
		t.Fatalf("a second try of a held call: %+v", c)
	}
	open, err := s.OpenMetaCalls(ctx, 10)
	if err != nil || len(open) != 1 || !open[0].LeaseLeft || open[0].Part != "number" || open[0].Attempt != 1 {
		t.Fatalf("open: %+v %v", open, err)
	}
	if err := s.ReleaseMetaCall(ctx, removal, run, domain.PartNumber, 1, first); err != nil { // the try was cut off
		t.Fatal(err)
	}
	taker, c := claim(1)
	if !c.Mine || c.Calls != 2 {
		t.Fatalf("takeover: %+v", c)
	}
	// The first try's late answer is not written over the taker's call.
	if err := s.SettleMetaCall(ctx, removal, run, domain.PartNumber, 1, first, domain.MetaCallDone, []byte(`{"outcome":"late"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.SettleMetaCall(ctx, removal, run, domain.PartNumber, 1, taker, domain.MetaCallFailed, []byte(`{"error":{"Code":2}}`)); err != nil {
		t.Fatal(err)
	}
	if _, c := claim(1); !c.Settled || c.Status != domain.MetaCallFailed || string(c.Answer) != `{"error": {"Code": 2}}` {
		t.Fatalf("the failed attempt, tried again: %+v %s", c, c.Answer)
	}
	second, c := claim(2) // the next attempt calls again
	if !c.Mine {
		t.Fatalf("attempt 2: %+v", c)
	}
	if err := s.SettleMetaCall(ctx, removal, run, domain.PartNumber, 2, second, domain.MetaCallDone, []byte(`{"outcome":"deregistered"}`)); err != nil {
		t.Fatal(err)
	}
	if _, c := claim(3); !c.Settled || c.Status != domain.MetaCallDone {
		t.Fatalf("a later attempt of a done part: %+v", c)
	}
	if open, _ := s.OpenMetaCalls(ctx, 10); len(open) != 0 {
		t.Fatalf("open after settling: %+v", open)
	}
	if _, _, err := s.ClaimMetaCall(ctx, removal, run, domain.PartCreditLine, 1, time.Minute); err != nil {
		t.Fatal(err)
	}
	gone, err := s.AbandonMetaCalls(ctx, removal, run)
	if err != nil || len(gone) != 1 || gone[0].Part != "credit_line" {
		t.Fatalf("abandoned: %+v %v", gone, err)
	}
	if open, _ := s.OpenMetaCalls(ctx, 10); len(open) != 0 {
		t.Fatalf("open after abandoning: %+v", open)
	}
}
