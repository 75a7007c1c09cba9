package activities_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// leaseCheck records each claim whose lease outlasts the try's own deadline.
type leaseCheck struct {
	activities.Store
	mu   sync.Mutex
	over []string
}

func (l *leaseCheck) ClaimMetaCall(ctx context.Context, removalID, runID string, p domain.MetaPart, n int, lease time.Duration) (string, domain.MetaCallClaim, error) {
	if dl, ok := ctx.Deadline(); ok && lease > time.Until(dl)+100*time.Millisecond {
		l.mu.Lock()
		l.over = append(l.over, fmt.Sprintf("lease %s with %s left", lease.Round(time.Millisecond), time.Until(dl).Round(time.Millisecond)))
		l.mu.Unlock()
	}
	return l.Store.ClaimMetaCall(ctx, removalID, runID, p, n, lease)
}

// TestATryThatWaitedLeasesTheCallOnlyToItsDeadline: a try that found the
// call held (a dead worker's, its lease not yet passed) waits, then takes
// it over. Its lease must end with its own deadline, as the activity's
// StartToCloseTimeout ends it: a lease worked out before the wait outlived
// the try by the time it waited, so when that try died too, the next try
// sat out the excess before it could call.
func TestATryThatWaitedLeasesTheCallOnlyToItsDeadline(t *testing.T) {
	e := newEnv(t)
	ch := e.releasing("W-LEASE")
	if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomeDone {
		t.Fatalf("%+v %v", r, err)
	}
	in := e.attemptAt(ch, domain.PartNumber, 1)
	// A worker that died mid-call holds the call for 1.5 s more.
	if _, c, err := e.store.ClaimMetaCall(e.ctx, in.RemovalID, in.RunID, domain.PartNumber, 1, 1500*time.Millisecond); err != nil || !c.Mine {
		t.Fatalf("the dead try's claim: %+v %v", c, err)
	}
	check := &leaseCheck{Store: e.store}
	acts := *e.acts
	acts.Store = check
	ctx, cancel := context.WithTimeout(e.ctx, 10*time.Second) // the try's StartToCloseTimeout
	defer cancel()
	if r, err := acts.ReleaseNumber(ctx, in); err != nil || r.Outcome != domain.OutcomeDone {
		t.Fatalf("the waiting try: %+v %v", r, err)
	}
	if len(check.over) > 0 {
		t.Fatalf("claims leased past the try's deadline: %v", check.over)
	}
	if n := e.calls("deregister"); n != 1 {
		t.Fatalf("%d deregister calls", n)
	}
}
