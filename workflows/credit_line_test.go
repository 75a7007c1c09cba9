package workflows

import (
	"fmt"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// A WABA on our shared credit line has it revoked with the unlink, last:
// the removal completes only then, and the document says so.
func TestTheCreditLineIsRevokedWithTheUnlink(t *testing.T) {
	h, r := removeOwing(t, activities.DeleteResult{Subscription: true, Number: true, CreditLine: true}, nil)
	if r.Status != domain.StatusCompleted || fmt.Sprint(h.attempted) != "[subscription number credit_line]" {
		t.Fatalf("%s: attempts %v", r.Status, h.attempted)
	}
	if c := r.MetaUnlink.CreditLine; c == nil || c.Status != domain.CreditLineRevoked {
		t.Fatalf("meta_unlink %+v", r.MetaUnlink)
	}
}

// Retried like the other Meta calls: a transient failure is tried again
// after the backoff; a permanent one waits for ops with the removal
// completed with warnings and Meta's answer shown, and retry-unlink settles it.
func TestACreditLineRefusedIsRetriedThenWaitsForOps(t *testing.T) {
	failed := func() activities.AttemptResult {
		return activities.AttemptResult{Outcome: domain.OutcomePermanent, Error: domain.CreditLineFailureText + "sem permissão (código 200)"}
	}
	h, r := removeOwing(t, activities.DeleteResult{Subscription: true, CreditLine: true}, func(h *harness) {
		h.credits = []func() activities.AttemptResult{transientUnlink, failed, doneUnlink}
		h.at(time.Hour, func() {
			q := h.query()
			if q.Status != domain.StatusCompletedWithWarnings || q.MetaUnlink.CreditLine == nil ||
				q.MetaUnlink.CreditLine.Status != domain.CreditLineFailed || q.MetaUnlink.Status != domain.UnlinkDone {
				t.Errorf("before the retry: %s %+v", q.Status, q.MetaUnlink)
			}
			h.signal(SignalRetryUnlink, ActorRequest{})
		})
	})
	if r.Status != domain.StatusCompleted || h.creditCalls != 3 || h.unlinkCalls != 1 || r.MetaUnlink.CreditLine.Status != domain.CreditLineRevoked {
		t.Fatalf("%s: credit attempts %d, unsubscribes %d, %+v", r.Status, h.creditCalls, h.unlinkCalls, r.MetaUnlink.CreditLine)
	}
	if len(h.notices) != 1 || h.notices[0].MetaError == "" {
		t.Fatalf("admins' notice %+v", h.notices)
	}
}
