package workflows

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// Ops cancel a run from Temporal (Web's "Request Cancellation", `temporal
// workflow cancel`, a batch): the run ends with a record that says so, at
// every wait. The same against the real server: e2e/steer_test.go.

// runCancelled runs the removal, which ops cancel at at, and returns its
// last document: the run must close as Canceled, every update answered.
func (h *harness) runCancelled(at time.Duration) domain.Removal {
	h.t.Helper()
	h.at(at, func() { h.env.CancelWorkflow() })
	h.env.ExecuteWorkflow(RemoveChannelWorkflow, Input{ChannelID: testChannel, RequestedBy: "admin-1", Actor: domain.Actor{UserID: "admin-1"}})
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	var ce *temporal.CanceledError
	if err := h.env.GetWorkflowError(); !errors.As(err, &ce) {
		h.t.Fatalf("the run closed with %v, want Canceled", err)
	}
	if h.pending != 0 {
		h.t.Fatalf("%d update(s) never answered", h.pending)
	}
	return h.query()
}

// TestCancelledFromTemporalWhileWaitingForAHuman: at the alert and at the
// code, a cancellation ends the removal cancelled, audited removal_cancelled
// by ops (Temporal), the read model's status published last; nothing removed.
func TestCancelledFromTemporalWhileWaitingForAHuman(t *testing.T) {
	for _, wait := range []domain.Status{domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode} {
		t.Run(string(wait), func(t *testing.T) {
			h := newHarness(t)
			if wait == domain.StatusAwaitingCode {
				h.at(time.Second, func() { h.signal(SignalAcknowledge, ack()) })
			}
			h.at(time.Minute, func() {
				h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: "x"}, func(domain.Removal, domain.Code, map[string]any) {})
			})
			doc := h.runCancelled(2 * time.Minute)
			if doc.Status != domain.StatusCancelled || doc.Step != domain.StepCancelledByTemporal || doc.CompletedAt == nil || h.deleted != 0 {
				t.Fatalf("document %+v, deleted %d", doc, h.deleted)
			}
			if got := h.audits[len(h.audits)-1]; got != string(domain.ActionRemovalCancelled) || h.auditActors[got] != domain.ActorOpsTemporal {
				t.Fatalf("audits %v, last by %+v", h.audits, h.auditActors[got])
			}
			if last := h.statuses[len(h.statuses)-1]; last != string(domain.StatusCancelled) {
				t.Fatalf("RemovalStatus upserts %v", h.statuses)
			}
			if h.statusAtAudit[string(domain.ActionRemovalCancelled)] != string(wait) {
				t.Fatalf("the status said cancelled before its record was written: %v", h.statusAtAudit)
			}
		})
	}
}

// TestCancelledFromTemporalWhileWaitingForRetryUnlink: past the tombstone a
// cancellation cannot undo the removal; it ends the 7-day wait for ops at
// once, the jobs abandoned (tokens erased) by ops (Temporal), the admins told.
func TestCancelledFromTemporalWhileWaitingForRetryUnlink(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{permanentUnlink}
	h.at(time.Second, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hash}) })
	start := h.env.Now()
	doc := h.runCancelled(time.Hour)
	if doc.Status != domain.StatusCompletedWithWarnings || doc.Step != domain.StepUnlinkStoppedByOps || doc.MetaUnlink.Status != domain.UnlinkAbandoned {
		t.Fatalf("document %+v", doc)
	}
	if len(h.abandons) != 1 || h.abandons[0].Why != domain.ReasonUnlinkStoppedByOps || h.abandons[0].Actor != domain.ActorOpsTemporal {
		t.Fatalf("abandons %+v", h.abandons)
	}
	if took := h.env.Now().Sub(start); took > 2*time.Hour {
		t.Fatalf("the run waited %s after the cancellation", took)
	}
	if len(h.notices) != 1 {
		t.Fatalf("admins told %d times, want once", len(h.notices))
	}
}

// TestCancelledFromTemporalDuringMetasAttempts: the automatic attempts at
// Meta go on (the admin approved the removal with the code); when they fail,
// the run does not wait for ops' retry.
func TestCancelledFromTemporalDuringMetasAttempts(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{transientUnlink}
	h.at(time.Second, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hash}) })
	doc := h.runCancelled(70 * time.Second) // during the first backoff
	if h.unlinkCalls != unlinkAttempts {
		t.Fatalf("%d attempts at Meta, want all %d", h.unlinkCalls, unlinkAttempts)
	}
	if doc.Status != domain.StatusCompletedWithWarnings || len(h.abandons) != 1 || h.abandons[0].Why != domain.ReasonUnlinkStoppedByOps {
		t.Fatalf("document %+v, abandons %+v", doc, h.abandons)
	}
}

// TestPurgeCancelledFromTemporalAtEachWait: a purge waiting for its notice,
// for its date, or held, cancelled from Temporal, ends cancelled with a
// record by ops (Temporal) and closes as Canceled; nothing is deleted. (It
// used to spin on the cancelled context until the deadlock detector failed
// every workflow task.)
func TestPurgeCancelledFromTemporalAtEachWait(t *testing.T) {
	for name, at := range map[string]time.Duration{
		"before the notice": domain.RetentionDay,
		"after the notice":  25 * domain.RetentionDay,
		"held":              31 * domain.RetentionDay,
	} {
		t.Run(name, func(t *testing.T) {
			h := newPurgeHarness(t, 2)
			h.held = name == "held"
			h.env.RegisterDelayedCallback(func() { h.env.CancelWorkflow() }, at)
			h.env.SetStartTime(purgeStart)
			p := domain.Purge{ChannelID: "ch-1", AccountID: "acc-1", RemovalID: "remove-channel:ch-1", PurgeAfterDays: 30,
				PurgeAt: purgeStart.Add(30 * domain.RetentionDay), Status: domain.RetentionScheduled}
			h.env.ExecuteWorkflow(PurgeWorkflowName, PurgeInput{Purge: p, RemovalRunID: "run-1", ChannelName: "WhatsApp"})
			var ce *temporal.CanceledError
			if err := h.env.GetWorkflowError(); !errors.As(err, &ce) {
				t.Fatalf("the run closed with %v, want Canceled", err)
			}
			v, err := h.env.QueryWorkflow(QueryPurge)
			if err != nil {
				t.Fatal(err)
			}
			var out domain.Purge
			if err := v.Get(&out); err != nil {
				t.Fatal(err)
			}
			if out.Status != domain.RetentionCancelled || h.batches != 2 {
				t.Fatalf("purge %+v, batches left %d", out, h.batches)
			}
			if last := h.records[len(h.records)-1]; last != domain.ActionPurgeCancelled || h.actors[last] != domain.ActorOpsTemporal {
				t.Fatalf("records %v, last by %+v", h.records, h.actors[last])
			}
		})
	}
}
