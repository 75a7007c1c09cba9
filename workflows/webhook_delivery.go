package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
)

const WebhookDeliveryWorkflowName = "WebhookDeliveryWorkflow"

// WebhookDeliveryOptions registers WebhookDeliveryWorkflow auto-upgrading,
// like SecurityNoticeWorkflow: days of retries pin no build. Its shape is
// guarded by webhook_delivery_test.go until a release captures its histories.
func WebhookDeliveryOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: WebhookDeliveryWorkflowName, VersioningBehavior: workflow.VersioningBehaviorAutoUpgrade}
}

// WebhookDeliveryWorkflow delivers one event at one endpoint at least once
// (SPEC §9). Its id is the delivery's webhook-id, derived from the fact, so
// a retried publish finds the run and the receiver gets one webhook-id per
// fact. The POST's retry policy is the backoff (WEBHOOK_RETRY_*), visible in
// Temporal Web; once it is spent the delivery is marked failed, and an
// endpoint failing for WEBHOOK_DISABLE_AFTER is disabled, its admins told.
func WebhookDeliveryWorkflow(ctx workflow.Context, in activities.WebhookDeliveryInput) error {
	post := workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: in.First, BackoffCoefficient: 2, MaximumInterval: in.Max,
			MaximumAttempts: in.Attempts(), NonRetryableErrorTypes: []string{activities.ErrWebhookGone}},
		Summary: "Entrega o evento ao endpoint da integração",
	}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, post), a.DeliverWebhook, in).Get(ctx, nil)
	var app *temporal.ApplicationError
	if err == nil || errors.As(err, &app) && app.Type() == activities.ErrWebhookGone {
		return nil // delivered, or the endpoint was deleted or disabled: nobody to tell
	}
	workflow.GetLogger(ctx).Warn("webhook delivery given up", "webhook_id", in.ID, "error", err)
	giveUp := workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    15 * time.Second,
		// Until it lands: the failure and the admins' notice must be recorded.
		RetryPolicy: backoff(10*time.Second, 10*time.Minute, 0),
		Summary:     "Registra a entrega como falha; desativa um endpoint que falha há dias",
	}
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, giveUp), a.GiveUpWebhook, in).Get(ctx, nil)
}
