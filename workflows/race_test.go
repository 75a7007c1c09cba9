package workflows

import (
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// A final status is published (search attribute, query) only once the audit
// record that reports it is written: whoever sees "completed" finds
// removal_completed in the audit trail.
func TestFinalStatusIsPublishedAfterItsAuditRecord(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	if r := h.run(); r.Status != domain.StatusCompleted {
		t.Fatalf("%+v", r)
	}
	if got := h.statusAtAudit["removal_completed"]; got == string(domain.StatusCompleted) {
		t.Fatalf("status %q was published before its audit record was written", got)
	}
	h.wantStatuses(domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode, domain.StatusUnlinking, domain.StatusCompleted)
}

// A verify that reaches a run while it is ending after the code expired gets
// the same answer as one that reaches the closed run: 410 code_expired, never
// invalid_state; and the query does not say expired before the audit is written.
func TestVerifyWhileAnExpiredRunIsEndingAnswersCodeExpired(t *testing.T) {
	h := newHarness(t)
	h.auditCall.After(time.Minute) // every audit write takes a minute of test time
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	// acknowledged at 1 min (recorded with the code's send), code mailed at 1 min,
	// expires at 11 min, the final audit runs from 11 to 12 min.
	var during domain.Removal
	var answer domain.Code
	h.at(11*time.Minute+30*time.Second, func() {
		during = h.query()
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf("000000")}, func(_ domain.Removal, code domain.Code, _ map[string]any) {
			answer = code
		})
	})
	if r := h.run(); r.Status != domain.StatusExpired {
		t.Fatalf("%+v", r)
	}
	if during.Status == domain.StatusExpired {
		t.Fatal("the query said expired before removal_expired was written")
	}
	if answer != domain.CodeCodeExpired {
		t.Fatalf("verify while ending: got %q, want code_expired", answer)
	}
}

// The same for a removal that locks: a sixth code sent while the fifth wrong
// one is being recorded is answered locked.
func TestVerifyWhileALockedRunIsEndingAnswersLocked(t *testing.T) {
	h := newHarness(t)
	h.auditCall.After(time.Minute)
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	for i := 0; i < 5; i++ {
		h.at(3*time.Minute+time.Duration(i)*time.Second, func() {
			h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf("000000")})
		})
	}
	var answer domain.Code
	h.at(3*time.Minute+30*time.Second, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}, func(_ domain.Removal, code domain.Code, _ map[string]any) {
			answer = code
		})
	})
	if r := h.run(); r.Status != domain.StatusLocked {
		t.Fatalf("%+v", r)
	}
	if answer != domain.CodeLocked {
		t.Fatalf("verify while locking: got %q, want locked", answer)
	}
}
