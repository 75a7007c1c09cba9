package workflows

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/stretchr/testify/mock"
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

// TestANoticeCancelledFromTemporalIsRecordedAndToldToOps: ops cancel a notice
// retrying while SendGrid is down; the run records notice_failed with the
// reason and tells ops (it used to end with nothing said), then closes as
// Canceled.
func TestANoticeCancelledFromTemporalIsRecordedAndToldToOps(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(SecurityNoticeWorkflow, NoticeOptions())
	env.RegisterActivity(a)
	env.OnActivity(a.NotifyAdmins, mock.Anything, mock.Anything).Return(0, sendGridDown())
	var recorded []activities.AuditInput
	env.OnActivity(a.RecordAudit, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.AuditInput) error {
		recorded = append(recorded, in)
		return nil
	})
	var told []activities.NoticeFailedInput
	env.OnActivity(a.AlertNoticeFailed, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.NoticeFailedInput) (bool, error) {
		told = append(told, in)
		return true, nil
	})
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Hour)
	env.ExecuteWorkflow(NoticeWorkflowName, Notice{Kind: domain.NoticeAdmins, Admins: &activities.NoticeInput{
		Step: activities.Step{RemovalID: "remove-channel:c1", RunID: "run-1"}, ChannelName: "WhatsApp"}})
	if err := env.GetWorkflowError(); !temporal.IsCanceledError(err) {
		t.Fatalf("the cancelled notice ended with %v", err)
	}
	if len(recorded) != 1 || recorded[0].Action != domain.ActionNoticeFailed || recorded[0].Detail["error"] != domain.ReasonNoticeCancelledByOps {
		t.Fatalf("records %+v", recorded)
	}
	if len(told) != 1 || told[0].Error != domain.ReasonNoticeCancelledByOps {
		t.Fatalf("ops told %+v", told)
	}
}
