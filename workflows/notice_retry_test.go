package workflows

import (
	"errors"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
)

// removeWithNotice runs a removal to completed, with NotifyAdmins answering as fail says.
func removeWithNotice(t *testing.T, fail func(h *harness) error) (*harness, domain.Removal) {
	h := newHarness(t)
	h.noticeErr = func() error { return fail(h) }
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	return h, h.run()
}

// TestAdminsNoticeOutlastsASendGridOutage: SendGrid down for 3 hours, longer
// than the hour the notice was once retried for, then back: the notice is
// retried until it is accepted, and goes out once.
func TestAdminsNoticeOutlastsASendGridOutage(t *testing.T) {
	var since time.Time
	h, r := removeWithNotice(t, func(h *harness) error {
		if since.IsZero() {
			since = h.env.Now()
		}
		if h.env.Now().Sub(since) < 3*time.Hour {
			return temporal.NewApplicationError("sendgrid: 503", "unavailable")
		}
		return nil
	})
	if r.Status != domain.StatusCompleted || len(h.notices) != 1 || h.noticeCalls < 12 {
		t.Fatalf("%s: notices accepted %d after %d calls", r.Status, len(h.notices), h.noticeCalls)
	}
	for _, a := range h.audits {
		if a == string(domain.ActionNoticeFailed) {
			t.Fatal("a notice that went out is audited as failed")
		}
	}
}

// TestAdminsNoticeRefusedForGoodIsAudited: a refusal no retry changes ends
// the wait, the audit trail says the notice did not go, and ops are told.
func TestAdminsNoticeRefusedForGoodIsAudited(t *testing.T) {
	h, r := removeWithNotice(t, func(h *harness) error {
		return temporal.NewNonRetryableApplicationError("sendgrid: 400 invalid address", string(domain.CodeMailRejected), errors.New("400"))
	})
	if r.Status != domain.StatusCompleted || len(h.notices) != 0 || h.noticeCalls != 1 {
		t.Fatalf("%s: notices %d, calls %d", r.Status, len(h.notices), h.noticeCalls)
	}
	found := false
	for _, a := range h.audits {
		found = found || a == string(domain.ActionNoticeFailed)
	}
	if !found {
		t.Fatalf("notice_failed not audited: %v", h.audits)
	}
	if len(h.noticeFailedAlerts) != 1 || h.noticeFailedAlerts[0].Notice != domain.NoticeAdmins ||
		!strings.Contains(h.noticeFailedAlerts[0].Error, "invalid address") {
		t.Fatalf("ops not told: %+v", h.noticeFailedAlerts)
	}
}

// TestGuessLimitTellsTheAdminsAndLocks: the wrong code that uses up the
// channel's budget locks the run at once and tells the admins, with who
// entered it.
func TestGuessLimitTellsTheAdminsAndLocks(t *testing.T) {
	h := newHarness(t)
	h.guessLimitAt = 2
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	for i := 1; i <= 2; i++ {
		h.at(time.Duration(1+i)*time.Minute, func() {
			h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf("999999"), Actor: domain.Actor{UserID: "u-9", IP: "198.51.100.9"}})
		})
	}
	r := h.run()
	// Signals: ops (Temporal) entered them, whatever the payload claims.
	if r.Status != domain.StatusLocked || len(h.guessNotices) != 1 || h.guessNotices[0].Actor.UserID != domain.ActorOpsTemporal.UserID ||
		h.guessNotices[0].Actor.Claimed == nil || h.guessNotices[0].Actor.Claimed.IP != "198.51.100.9" {
		t.Fatalf("%s, guess notices %+v", r.Status, h.guessNotices)
	}
	if h.deleted != 0 {
		t.Fatal("a locked run removed the channel")
	}
}

// TestASignalsPayloadNeverBecomesTheActor: anyone who reaches Temporal can
// send a signal naming any user; the steps it drives are ops (Temporal)'s,
// with the payload's claim kept beside.
func TestASignalsPayloadNeverBecomesTheActor(t *testing.T) {
	h := newHarness(t)
	claimed := domain.Actor{UserID: "u-admin", IP: "203.0.113.7"}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, AcknowledgeRequest{Acknowledged: true, Actor: claimed}) })
	h.at(2*time.Minute, func() { h.signal(SignalCancel, ActorRequest{Actor: claimed}) })
	r := h.run()
	a := h.auditActors["removal_cancelled"]
	if r.Status != domain.StatusCancelled || a.UserID != domain.ActorOpsTemporal.UserID || a.Claimed == nil || *a.Claimed != claimed {
		t.Fatalf("%s, cancelled by %+v", r.Status, a)
	}
}
