package workflows

import (
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
)

// TestAHeldPurgeAnswersEveryQueuedRequestBeforeItContinuesAsNew: two
// admins move a held purge at once as its history should continue as new;
// both moves are answered and recorded before it does (the second was lost:
// the run continued as new with it queued).
func TestAHeldPurgeAnswersEveryQueuedRequestBeforeItContinuesAsNew(t *testing.T) {
	h := newPurgeHarness(t, 1)
	day := domain.RetentionDay
	h.env.RegisterDelayedCallback(func() { h.held = true; h.env.SignalWorkflow(SignalHoldChanged, HoldChanged{Held: true}) }, day)
	completed := map[string]bool{}
	h.env.RegisterDelayedCallback(func() {
		h.env.SetContinueAsNewSuggested(true)
		for i, at := range []time.Time{purgeStart.Add(60 * day), purgeStart.Add(61 * day)} {
			id := []string{"first", "second"}[i]
			h.env.UpdateWorkflow(UpdateMovePurge, id, &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("%s rejected: %v", id, err) }, OnAccept: func() {},
				OnComplete: func(_ any, err error) {
					completed[id] = err == nil
					if err != nil {
						t.Logf("%s completed with error: %v", id, err)
					}
				}}, MovePurgeRequest{PurgeAt: at})
		}
	}, 2*day+time.Hour)
	h.env.SetStartTime(purgeStart)
	p := domain.Purge{ChannelID: "ch-1", AccountID: "acc-1", RemovalID: "remove-channel:ch-1", PurgeAfterDays: 30,
		PurgeAt: purgeStart.Add(30 * day), Status: domain.RetentionScheduled}
	h.env.ExecuteWorkflow(PurgeWorkflowName, PurgeInput{Purge: p, RemovalRunID: "run-1", ChannelName: "WhatsApp"})
	var can *workflow.ContinueAsNewError
	if err := h.env.GetWorkflowError(); !errors.As(err, &can) {
		t.Fatalf("want continue-as-new, got %v", err)
	}
	t.Logf("records %v", h.records)
	if n := count(h.records, domain.ActionPurgeMoved); n != 2 {
		t.Errorf("%d moves recorded, want 2 (both updates answered OK)", n)
	}
	if !completed["first"] || !completed["second"] {
		t.Fatalf("updates completed before the continue-as-new: %v (want both)", completed)
	}
}
