package workflows

// WebhookDeliveryWorkflow: one event at one endpoint (SPEC §9), delivered at
// least once. Its workflow id is the delivery's webhook-id, derived from the
// fact, so the activity that publishes the fact, retried, finds the run and
// starts nothing more; the receiver gets one webhook-id per fact whatever
// the retries on either side. The POST is one activity whose retry policy is
// the backoff (WEBHOOK_RETRY_FIRST doubling up to WEBHOOK_RETRY_MAX, for
// WEBHOOK_RETRY_FOR; shown in Temporal Web), each attempt recorded with its
// answer by the activity itself. When the retries are over the delivery is
// marked failed and an endpoint failing for WEBHOOK_DISABLE_AFTER is
// disabled, its admins told.
//
// Started by activities and the API, never by another workflow, and never
// waited for; it auto-upgrades like SecurityNoticeWorkflow, so days of
// retries pin no build. Its shape is guarded by webhook_delivery_test.go
// until its histories join a release's capture (docs/versioning.md).

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
)

const WebhookDeliveryWorkflowName = "WebhookDeliveryWorkflow"

// WebhookDeliveryOptions registers WebhookDeliveryWorkflow, auto-upgrading.
func WebhookDeliveryOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: WebhookDeliveryWorkflowName, VersioningBehavior: workflow.VersioningBehaviorAutoUpgrade}
}

// WebhookDeliveryWorkflow delivers the event, then gives up if it must.
func WebhookDeliveryWorkflow(ctx workflow.Context, in activities.WebhookDeliveryInput) error {
	post := workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: in.First, BackoffCoefficient: 2, MaximumInterval: in.Max,
			MaximumAttempts: in.Attempts(), NonRetryableErrorTypes: []string{activities.ErrWebhookGone}},
		Summary: "Entrega o evento ao endpoint da integração",
	}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, post), a.DeliverWebhook, in).Get(ctx, nil)
	var app *temporal.ApplicationError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &app) && app.Type() == activities.ErrWebhookGone:
		return nil // the endpoint was deleted or disabled: nobody to tell
	}
	workflow.GetLogger(ctx).Warn("webhook delivery given up", "webhook_id", in.ID, "error", err)
	giveUp := workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    15 * time.Second,
		// Until it lands: the failure and the admins' notice must be recorded.
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 10 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute},
		Summary:     "Registra a entrega como falha; desativa um endpoint que falha há dias",
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, giveUp), a.GiveUpWebhook, in).Get(ctx, nil)
}
