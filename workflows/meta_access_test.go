package workflows

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestMetaAccessLostDisconnectsThenNotifiesEachAccountOnce: each event's
// channels are disconnected (a failed try is retried, not lost), then every
// account's admins are told once, of all its channels at once.
func TestMetaAccessLostDisconnectsThenNotifiesEachAccountOnce(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(MetaAccessLostWorkflow, MetaAccessLostOptions())
	env.RegisterActivity(a)
	env.RegisterWorkflowWithOptions(SecurityNoticeWorkflow, NoticeOptions())
	tries := 0
	env.OnActivity(a.DisconnectChannels, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DisconnectInput) ([]domain.DisconnectedChannel, error) {
			tries++
			if tries == 1 {
				return nil, errors.New("connection refused") // the database away: retried
			}
			if in.Event.WABAID == "W1" {
				return []domain.DisconnectedChannel{{ID: "c1", AccountID: "acc-1", WABAID: "W1", Event: in.Event.Event},
					{ID: "c2", AccountID: "acc-2", WABAID: "W1", Event: in.Event.Event}}, nil
			}
			return []domain.DisconnectedChannel{{ID: "c3", AccountID: "acc-1", WABAID: "W2", Event: in.Event.Event}}, nil
		})
	var notices []activities.DisconnectionNoticeInput
	env.OnActivity(a.NotifyDisconnected, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DisconnectionNoticeInput) (int, error) {
			notices = append(notices, in)
			return 2, nil
		})
	env.ExecuteWorkflow(MetaAccessLostWorkflowName, MetaAccessLostInput{DeliveryID: "d1",
		Events: []domain.AccessLost{{WABAID: "W1", Event: "PARTNER_REMOVED"}, {WABAID: "W2", Event: "PARTNER_REMOVED"}}})
	var res MetaAccessLostResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if tries != 3 || len(res.Disconnected) != 3 || res.Notified != 2 || len(notices) != 2 {
		t.Fatalf("tries %d, result %+v, notices %d", tries, res, len(notices))
	}
	if notices[0].AccountID != "acc-1" {
		notices[0], notices[1] = notices[1], notices[0] // the children ran in either order
	}
	if n := notices[0]; n.AccountID != "acc-1" || len(n.Channels) != 2 || n.Channels[1].ID != "c3" || n.DeliveryID != "d1" {
		t.Fatalf("acc-1's notice: %+v", n)
	}
	if n := notices[1]; n.AccountID != "acc-2" || len(n.Channels) != 1 {
		t.Fatalf("acc-2's notice: %+v", n)
	}
}

// TestMetaAccessLostNeverWaitsForSendGrid: SendGrid refusing every notice,
// the notice's tries run in a notice workflow of its own, never in the
// delivery's run (which used to wait up to a week of them, pinning its
// build), and the run still says it disconnected the channel.
func TestMetaAccessLostNeverWaitsForSendGrid(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(MetaAccessLostWorkflow, MetaAccessLostOptions())
	env.RegisterWorkflowWithOptions(SecurityNoticeWorkflow, NoticeOptions())
	env.RegisterActivity(a)
	env.OnActivity(a.DisconnectChannels, mock.Anything, mock.Anything).Return(
		[]domain.DisconnectedChannel{{ID: "c1", AccountID: "acc-1", WABAID: "W1", Event: "PARTNER_REMOVED"}}, nil)
	tries := map[string]int{}
	env.OnActivity(a.NotifyDisconnected, mock.Anything, mock.Anything).Return(
		func(ctx context.Context, _ activities.DisconnectionNoticeInput) (int, error) {
			tries[activity.GetInfo(ctx).WorkflowType.Name]++
			return 0, errors.New("sendgrid: 503")
		})
	env.ExecuteWorkflow(MetaAccessLostWorkflowName, MetaAccessLostInput{DeliveryID: "d2",
		Events: []domain.AccessLost{{WABAID: "W1", Event: "PARTNER_REMOVED"}}})
	var res MetaAccessLostResult
	if err := env.GetWorkflowResult(&res); err != nil || len(res.Disconnected) != 1 || res.Notified != 1 {
		t.Fatalf("result %+v, %v", res, err)
	}
	if tries[MetaAccessLostWorkflowName] != 0 || tries[NoticeWorkflowName] < 2 {
		t.Fatalf("notice tries by workflow: %v, want all in %s", tries, NoticeWorkflowName)
	}
}

// TestMetaOffboardedNotifiesAndDisconnectsNothing: a delivery of
// coexistence's ACCOUNT_OFFBOARDED alone disconnects nothing, starts one
// notice per WABA and marks the delivery processed.
func TestMetaOffboardedNotifiesAndDisconnectsNothing(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(MetaAccessLostWorkflow, MetaAccessLostOptions())
	env.RegisterActivity(a)
	env.RegisterWorkflowWithOptions(SecurityNoticeWorkflow, NoticeOptions())
	env.OnActivity(a.DisconnectChannels, mock.Anything, mock.Anything).Return(
		func(context.Context, activities.DisconnectInput) ([]domain.DisconnectedChannel, error) {
			t.Error("a coexistence offboarding disconnected channels")
			return nil, nil
		})
	var told []activities.OffboardedNoticeInput
	env.OnActivity(a.NotifyOffboarded, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.OffboardedNoticeInput) (int, error) {
			told = append(told, in)
			return 1, nil
		})
	marked := ""
	env.OnActivity(a.MarkDeliveryProcessed, mock.Anything, mock.Anything).Return(
		func(_ context.Context, id string) error { marked = id; return nil })
	env.ExecuteWorkflow(MetaAccessLostWorkflowName, MetaAccessLostInput{DeliveryID: "d9",
		Offboarded: []domain.AccessLost{{WABAID: "W1", Event: domain.EventAccountOffboarded}}})
	var res MetaAccessLostResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Offboarded != 1 || len(res.Disconnected) != 0 || len(told) != 1 || told[0].Event.WABAID != "W1" || marked != "d9" {
		t.Fatalf("result %+v, told %+v, marked %q", res, told, marked)
	}
}
