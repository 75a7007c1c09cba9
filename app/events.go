package app

import (
	"context"
	"errors"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/webhook"
	"github.com/crm/channel-removal/workflows"
)

// EventStore is what publishing an event reads and writes.
type EventStore interface {
	SubscribedEndpoints(ctx context.Context, accountID string, t domain.EventType) ([]string, error)
	AddWebhookDelivery(ctx context.Context, id, endpointID string, t domain.EventType, payload []byte) error
}

// Events is domain.EventPublisher over Postgres and Temporal: for each
// endpoint of the account subscribed to the event, a delivery row (its
// body written once) and its WebhookDeliveryWorkflow, both keyed by the
// webhook-id, so a publish retried writes and starts nothing more.
type Events struct {
	Client    client.Client
	Store     EventStore
	TaskQueue string
	Schedule  config.Webhooks
}

// NewEvents publishes on the worker's task queue with the configured schedule.
func NewEvents(c client.Client, store EventStore, cfg config.Config) Events {
	return Events{Client: c, Store: store, TaskQueue: cfg.TemporalTaskQueue, Schedule: cfg.Webhooks.WithDefaults()}
}

func (e Events) Publish(ctx context.Context, ev domain.Event) error {
	endpoints, err := e.Store.SubscribedEndpoints(ctx, ev.AccountID, ev.Type)
	if err != nil || len(endpoints) == 0 {
		return err
	}
	body, err := webhook.Body(ev)
	if err != nil {
		return err
	}
	for _, ep := range endpoints {
		id := webhook.MessageID(ep, ev.Type, ev.Key)
		if err := e.Store.AddWebhookDelivery(ctx, id, ep, ev.Type, body); err != nil {
			return err
		}
		in := activities.WebhookDeliveryInput{ID: id, EndpointID: ep, AccountID: ev.AccountID,
			First: e.Schedule.RetryFirst, Max: e.Schedule.RetryMax, For: e.Schedule.RetryFor}
		_, err := e.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueOr(e.TaskQueue),
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SAAccountID.ValueSet(ev.AccountID), workflows.SAChannelID.ValueSet(ev.ChannelID)),
			StaticSummary:         "Evento " + string(ev.Type) + " para a integração"}, workflows.WebhookDeliveryWorkflowName, in)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if err != nil && !errors.As(err, &started) { // started already: this publish is a retry
			return err
		}
	}
	return nil
}
