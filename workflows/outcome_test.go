package workflows

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
)

// What a run returns and its updates answer is small: run, status and step,
// never the document, which the read model holds (the steps write it before
// the run answers). The bound is a fifth of the happy path's document.
const outcomeBytes = 400

func TestUpdatesAndTheResultCarryIdsNotTheDocument(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.update(UpdateAcknowledge, ack(), func(domain.Removal, domain.Code, map[string]any) {}) })
	h.at(2*time.Minute, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}, func(domain.Removal, domain.Code, map[string]any) {})
	})
	h.run()
	var out Outcome
	if err := h.env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if len(h.outcomes) != 2 {
		t.Fatalf("%d updates answered, want 2", len(h.outcomes))
	}
	for i, o := range append(h.outcomes, out) {
		b, _ := json.Marshal(o)
		if o.Doc != nil || len(b) > outcomeBytes || o.Status == "" {
			t.Errorf("answer %d is %d bytes (want its run, status and step in at most %d, no document): %s", i, len(b), outcomeBytes, b)
		}
	}
	if h.outcomes[0].Status != domain.StatusAwaitingCode || out.Status != domain.StatusCompleted || out.MetaUnlink == nil || out.MetaUnlink.Attempts != 1 {
		t.Fatalf("answers %+v, result %+v", h.outcomes, out)
	}
}

// A step that fails for good ends the run failed, recorded like every end
// (since r7; before, the read model kept the state before and only the
// answer carried the end): the answer and the result are the outcome alone,
// and the trail's removal_failed record moves the row.
func TestARunThatFailsForGoodRecordsItsEnd(t *testing.T) {
	h := newHarness(t)
	h.sendErr = temporal.NewNonRetryableApplicationError("SendGrid refused the template", string(domain.CodeInternal), nil)
	h.at(time.Minute, func() { h.update(UpdateAcknowledge, ack(), func(domain.Removal, domain.Code, map[string]any) {}) })
	h.run()
	var out Outcome
	if err := h.env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if len(h.outcomes) != 1 || h.outcomes[0].Status != domain.StatusFailed || h.outcomes[0].Doc != nil || out.Doc != nil || out.Status != domain.StatusFailed {
		t.Fatalf("answers %+v, result %+v", h.outcomes, out)
	}
	if !slices.Contains(h.audits, string(domain.EndAction(domain.StatusFailed))) {
		t.Fatalf("no %s record: %v", domain.EndAction(domain.StatusFailed), h.audits)
	}
}
