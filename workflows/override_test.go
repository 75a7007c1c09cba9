package workflows

import (
	"fmt"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// removeOwing runs a removal whose tombstone leaves owed what d says.
func removeOwing(t *testing.T, d activities.DeleteResult, setup func(h *harness)) (*harness, domain.Removal) {
	h := newHarness(t)
	h.deleteRes = d
	if setup != nil {
		setup(h)
	}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	return h, h.run()
}

// Our override on the number is cleared first, while our app still has
// access, then the app is unsubscribed; the document says what became of it.
func TestOurOverrideIsClearedBeforeTheUnsubscribe(t *testing.T) {
	h, r := removeOwing(t, activities.DeleteResult{Subscription: true, Override: true, WABAOverride: true}, nil)
	if r.Status != domain.StatusCompleted || fmt.Sprint(h.attempted) != "[override subscription]" {
		t.Fatalf("%s: attempts %v", r.Status, h.attempted)
	}
	if o := r.MetaUnlink.Override; o == nil || o.Status != domain.OverrideCleared || r.MetaUnlink.WABAOverride != domain.WABAOverrideRemoved {
		t.Fatalf("meta_unlink %+v", r.MetaUnlink)
	}
}

// Another app's override is left alone, and said so; a sibling channel on the
// WABA keeps the subscription and our WABA override with it.
func TestAnotherAppsOverrideAndASiblingsWABAAreKept(t *testing.T) {
	kept := func() activities.AttemptResult { return activities.AttemptResult{Outcome: domain.OutcomeKept} }
	_, r := removeOwing(t, activities.DeleteResult{Subscription: true, Override: true, WABAOverride: true}, func(h *harness) {
		h.overrides = []func() activities.AttemptResult{kept}
		h.unlinks = []func() activities.AttemptResult{kept}
	})
	if r.Status != domain.StatusCompleted || r.MetaUnlink.Override == nil || r.MetaUnlink.Override.Status != domain.OverrideNotOurs ||
		r.MetaUnlink.Status != domain.UnlinkSkipped || r.MetaUnlink.WABAOverride != domain.WABAOverrideKept {
		t.Fatalf("%s %+v", r.Status, r.MetaUnlink)
	}
	if !contains(r.Notes, domain.NoteOverrideNotOurs) || !contains(r.Notes, domain.NoteWABAShared) {
		t.Fatalf("notes %v", r.Notes)
	}
}

// An override Meta refuses to clear leaves the removal completed with
// warnings, the subscription not yet tried; retry-unlink settles both.
func TestAnOverrideRefusedWaitsForOps(t *testing.T) {
	h, r := removeOwing(t, activities.DeleteResult{Subscription: true, Override: true}, func(h *harness) {
		h.overrides = []func() activities.AttemptResult{permanentUnlink, doneUnlink}
		h.at(3*time.Minute, func() {
			if q := h.query(); q.Status != domain.StatusCompletedWithWarnings || q.MetaUnlink.Override.Status != domain.OverrideFailed ||
				q.MetaUnlink.Override.LastError == "" || h.unlinkCalls != 0 {
				t.Errorf("before the retry: %s %+v, unsubscribes %d", q.Status, q.MetaUnlink.Override, h.unlinkCalls)
			}
			h.signal(SignalRetryUnlink, ActorRequest{})
		})
	})
	if r.Status != domain.StatusCompleted || h.overrideCalls != 2 || h.unlinkCalls != 1 || r.MetaUnlink.Override.Status != domain.OverrideCleared {
		t.Fatalf("%s: overrides %d, unsubscribes %d, %+v", r.Status, h.overrideCalls, h.unlinkCalls, r.MetaUnlink.Override)
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
