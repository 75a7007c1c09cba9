package workflows

import (
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// A verified removal waits out a database outage far longer than the delete's
// own retries (here 5 minutes), saying so in its status, and completes when
// the database is back; the verification is answered at once.
func TestVerifiedRemovalWaitsOutADatabaseOutage(t *testing.T) {
	h := newHarness(t)
	var outageEnds time.Time
	tries := 0
	h.deleteFn = func(in activities.DeleteInput) (activities.DeleteResult, error) {
		tries++
		if h.env.Now().Before(outageEnds) {
			return activities.DeleteResult{}, temporal.NewApplicationError("o banco de dados não está respondendo", string(domain.CodeUnavailable))
		}
		h.deleted++
		return h.deleteRes, nil
	}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	var answered domain.Code = "pending"
	h.at(2*time.Minute, func() {
		outageEnds = h.env.Now().Add(5 * time.Minute)
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}, func(_ domain.Removal, code domain.Code, _ map[string]any) {
			answered = code
		})
	})
	var during domain.Removal
	h.at(4*time.Minute, func() { during = h.query() })
	r := h.run()
	if r.Status != domain.StatusCompleted || h.deleted != 1 || tries < 5 {
		t.Fatalf("status %s, deleted %d, tries %d", r.Status, h.deleted, tries)
	}
	if answered != "" {
		t.Fatalf("verification answered %q", answered)
	}
	if during.Status != domain.StatusRemoving || !strings.Contains(during.Step, "aguardando o banco de dados") {
		t.Fatalf("during the outage: %s — %s", during.Status, during.Step)
	}
	if got := r.CompletedAt.Sub(outageEnds); got < 0 || got > DefaultOutageRetry+time.Minute {
		t.Fatalf("completed %v after the database came back", got)
	}
}

// Past the outage window the removal ends failed, the channel untouched.
func TestOutageLongerThanTheWindowFails(t *testing.T) {
	h := newHarness(t)
	h.deleteFn = func(in activities.DeleteInput) (activities.DeleteResult, error) {
		return activities.DeleteResult{}, temporal.NewApplicationError("o banco de dados não está respondendo", string(domain.CodeUnavailable))
	}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	r := h.run()
	if r.Status != domain.StatusFailed || r.CompletedAt.Sub(r.CreatedAt) < DefaultOutageWindow {
		t.Fatalf("%s after %v: %s", r.Status, r.CompletedAt.Sub(r.CreatedAt), r.Step)
	}
}
