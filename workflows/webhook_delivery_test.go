package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/crm/channel-removal/activities"
)

// deliveryRun runs a WebhookDeliveryWorkflow whose POST answers as post says
// (given the workflow's clock), and counts the give-ups.
func deliveryRun(t *testing.T, post func(now time.Time) error) (attempts []time.Time, giveUps int, err error) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(WebhookDeliveryWorkflow, WebhookDeliveryOptions())
	env.RegisterActivity(a)
	env.OnActivity(a.DeliverWebhook, mock.Anything, mock.Anything).Return(func(context.Context, activities.WebhookDeliveryInput) error {
		attempts = append(attempts, env.Now())
		return post(env.Now())
	})
	env.OnActivity(a.GiveUpWebhook, mock.Anything, mock.Anything).Return(func(context.Context, activities.WebhookDeliveryInput) (int, error) {
		giveUps++
		return 0, nil
	})
	env.ExecuteWorkflow(WebhookDeliveryWorkflowName, activities.WebhookDeliveryInput{ID: "msg_x", EndpointID: "e", AccountID: "acc",
		First: 30 * time.Second, Max: 4 * time.Hour, For: 72 * time.Hour})
	if !env.IsWorkflowCompleted() {
		t.Fatal("the delivery did not end")
	}
	return attempts, giveUps, env.GetWorkflowError()
}

func failed() error { return temporal.NewApplicationError("503", activities.ErrWebhookFailed) }

// A receiver down for six hours gets the event once it is back; the waits
// between attempts double from 30 s and the run never gives up.
func TestAWebhookIsRetriedWithBackoffUntilTheReceiverIsBack(t *testing.T) {
	var start time.Time
	attempts, giveUps, err := deliveryRun(t, func(now time.Time) error {
		if start.IsZero() {
			start = now
		}
		if now.Sub(start) < 6*time.Hour {
			return failed()
		}
		return nil
	})
	if err != nil || giveUps != 0 || len(attempts) < 8 {
		t.Fatalf("err %v, give-ups %d, attempts %d", err, giveUps, len(attempts))
	}
	if d1, d2 := attempts[1].Sub(attempts[0]), attempts[2].Sub(attempts[1]); d1 != 30*time.Second || d2 != time.Minute {
		t.Fatalf("waits %v, %v; want 30s then 1m", d1, d2)
	}
	for i := 1; i < len(attempts); i++ {
		if attempts[i].Sub(attempts[i-1]) > 4*time.Hour {
			t.Fatalf("wait %d was %v, past the 4 h cap", i, attempts[i].Sub(attempts[i-1]))
		}
	}
}

// A receiver that never answers is tried for the whole window (days), then
// the delivery is given up once (which may disable the endpoint).
func TestAWebhookFailingForDaysIsGivenUp(t *testing.T) {
	attempts, giveUps, err := deliveryRun(t, func(time.Time) error { return failed() })
	if err != nil || giveUps != 1 || attempts[len(attempts)-1].Sub(attempts[0]) < 60*time.Hour {
		t.Fatalf("err %v, give-ups %d, attempts %d over %v", err, giveUps, len(attempts), attempts[len(attempts)-1].Sub(attempts[0]))
	}
}

// An endpoint deleted or disabled ends its deliveries at once, with no give-up.
func TestAWebhookToAGoneEndpointEnds(t *testing.T) {
	attempts, giveUps, err := deliveryRun(t, func(time.Time) error {
		return temporal.NewNonRetryableApplicationError("apagado", activities.ErrWebhookGone, nil)
	})
	if err != nil || giveUps != 0 || len(attempts) != 1 {
		t.Fatalf("err %v, give-ups %d, attempts %d", err, giveUps, len(attempts))
	}
}
