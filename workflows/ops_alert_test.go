package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestOpsAreAlertedOnceWhenAnUnlinkStaysFailed: 24 h in
// completed_with_warnings alert ops once, with Meta's error and the retry
// window; the run then waits out its window as before.
func TestOpsAreAlertedOnceWhenAnUnlinkStaysFailed(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{permanentUnlink}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	var before int
	h.at(23*time.Hour, func() { before = len(h.opsAlerts) })
	r := h.run()
	if before != 0 || len(h.opsAlerts) != 1 || r.MetaUnlink.Status != "abandoned" {
		t.Fatalf("alerts before 24 h %d, in all %d; %+v", before, len(h.opsAlerts), r.MetaUnlink)
	}
	al := h.opsAlerts[0]
	if !strings.Contains(al.LastError, "190") || al.ChannelName != "WhatsApp Oficial" || al.RetryUntil.Sub(al.Since) != DefaultUnlinkRetryWindow {
		t.Fatalf("alert %+v", al)
	}
}

// TestOpsAreAlertedOnceAcrossRetries: retried within the 24 h and failing
// again, the removal alerts 24 h after its first warning, once, and not
// again when a later retry completes it.
func TestOpsAreAlertedOnceAcrossRetries(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{permanentUnlink, permanentUnlink, doneUnlink}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	h.at(time.Hour, func() { h.signal(SignalRetryUnlink, ActorRequest{}) })
	h.at(30*time.Hour, func() {
		if len(h.opsAlerts) != 1 { // 24 h after the first warning, the second failure still pending
			t.Errorf("alerts at 30 h: %d", len(h.opsAlerts))
		}
		h.signal(SignalRetryUnlink, ActorRequest{})
	})
	r := h.run()
	if r.Status != domain.StatusCompleted || len(h.opsAlerts) != 1 {
		t.Fatalf("%s, alerts %d", r.Status, len(h.opsAlerts))
	}
}
