package workflows

import (
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// Notices never hold a run: each is a workflow of its own (notice.go), so a
// week of SendGrid outage delays the e-mails, not the removal.

func sendGridDown() error { return temporal.NewApplicationError("sendgrid: 503", "unavailable") }

// TestOpsRetryIsActedOnWhileSendGridIsDown: the unlink failed for good and
// SendGrid is down; ops' retry-unlink an hour later is acted on at once (it
// used to wait for the admins' notice, retried for up to a week).
func TestOpsRetryIsActedOnWhileSendGridIsDown(t *testing.T) {
	h := newHarness(t)
	h.noticeErr = sendGridDown
	h.unlinks = []func() activities.AttemptResult{permanentUnlink, doneUnlink}
	h.at(time.Second, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hash}) })
	h.at(time.Hour, func() { h.signal(SignalRetryUnlink, ActorRequest{}) })
	start := h.env.Now()
	r := h.run()
	if r.Status != domain.StatusCompleted || len(h.attemptsAt) != 2 {
		t.Fatalf("%s after %d attempts", r.Status, len(h.attemptsAt))
	}
	if took := h.attemptsAt[1].Sub(start.Add(time.Hour)); took > time.Minute {
		t.Fatalf("the retry was made %s after ops asked", took)
	}
}

// TestTheGuessLimitLocksAtOnceWhileSendGridIsDown: the wrong code that uses
// up the budget locks the removal at once; the admins' notice follows when
// SendGrid answers.
func TestTheGuessLimitLocksAtOnceWhileSendGridIsDown(t *testing.T) {
	h := newHarness(t)
	h.guessLimitAt = 1
	down := true
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf("999999")}) })
	var status domain.Status
	h.at(5*time.Minute, func() { status = h.query().Status })
	h.at(3*time.Hour, func() { down = false })
	h.guessNoticeErr = func() error {
		if down {
			return sendGridDown()
		}
		return nil
	}
	r := h.run()
	if status != domain.StatusLocked || r.Status != domain.StatusLocked {
		t.Fatalf("3 minutes after the last code the removal read %s", status)
	}
	if len(h.guessNotices) != 1 {
		t.Fatalf("guess-limit notices %d, want 1 once SendGrid is back", len(h.guessNotices))
	}
}
