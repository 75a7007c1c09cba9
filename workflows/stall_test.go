package workflows

import (
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
)

// TestACodeCheckStalledPastTheCodesExpiryExpires: the database stays away
// from the verification until the code expires; the run ends expired (a
// timeout is a domain outcome), the verification answered code_expired.
func TestACodeCheckStalledPastTheCodesExpiryExpires(t *testing.T) {
	h := newHarness(t)
	h.verifyErr = temporal.NewApplicationError("database unavailable", "unavailable")
	h.at(time.Second, func() { h.signal(SignalAcknowledge, ack()) })
	var answered domain.Code
	h.at(time.Minute, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hash}, func(_ domain.Removal, code domain.Code, _ map[string]any) { answered = code })
	})
	r := h.run()
	if r.Status != domain.StatusExpired || r.Step != domain.StepStalled || answered != domain.CodeCodeExpired || h.deleted != 0 {
		t.Fatalf("%s %q, verify answered %q", r.Status, r.Step, answered)
	}
}
