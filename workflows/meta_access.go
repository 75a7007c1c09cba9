package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// MetaAccessLostWorkflow carries out one signed webhook delivery saying our
// app lost access to WABAs (SPEC §7): it disconnects every live channel on
// each, then has the admins of their accounts told, once. One run per
// delivery (MetaDeliveryID), so Meta's retries find it; deliveries run
// safely side by side (row locks, keyed notices).
func MetaAccessLostWorkflow(ctx workflow.Context, in MetaAccessLostInput) (MetaAccessLostResult, error) {
	var res MetaAccessLostResult
	// Coexistence offboardings (since r5) disconnect nothing: each WABA's admins get a notice.
	for _, ev := range in.Offboarded {
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — avisando os administradores da WABA %s", ev.Event, ev.WABAID))
		startNotice(ctx, NoticeID(domain.NoticeOffboarded, in.DeliveryID+":"+ev.WABAID),
			"Aviso de número fora da API do WhatsApp na WABA "+ev.WABAID,
			Notice{Kind: domain.NoticeOffboarded, Offboarded: &activities.OffboardedNoticeInput{
				DeliveryID: in.DeliveryID, Event: ev, At: workflow.Now(ctx)}})
		res.Offboarded++
	}
	if len(in.Offboarded) > 0 && len(in.Events) == 0 {
		// No disconnection marks this delivery processed: its notices are started.
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, disconnectOptions()),
			a.MarkDeliveryProcessed, in.DeliveryID).Get(ctx, nil); err != nil {
			return res, err
		}
	}
	for i, ev := range in.Events {
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — desconectando os canais da WABA %s", ev.Event, ev.WABAID))
		var chs []domain.DisconnectedChannel
		// Retried until it lands (Meta has already cut these channels off);
		// only the run's own cancellation ends the wait.
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, disconnectOptions()), a.DisconnectChannels,
			activities.DisconnectInput{DeliveryID: in.DeliveryID, Event: ev, Last: i == len(in.Events)-1}).Get(ctx, &chs); err != nil {
			return res, err
		}
		res.Disconnected = append(res.Disconnected, chs...)
	}
	// One notice per account, keyed by delivery and account: Meta's retries
	// and a reset tell no one twice.
	now := workflow.Now(ctx)
	for _, acc := range domain.ByAccount(res.Disconnected) {
		id := acc[0].AccountID
		workflow.SetCurrentDetails(ctx, "avisando os administradores da conta "+id)
		startNotice(ctx, NoticeID(domain.NoticeDisconnected, in.DeliveryID+":"+id), "Aviso de desconexão na Meta à conta "+id,
			Notice{Kind: domain.NoticeDisconnected, Disconnected: &activities.DisconnectionNoticeInput{
				DeliveryID: in.DeliveryID, AccountID: id, Channels: acc, At: now}})
		res.Notified++
	}
	workflow.SetCurrentDetails(ctx, domain.AccessLostDone(len(res.Disconnected), res.Notified))
	return res, nil
}

// MetaAccessLostInput is a delivery's access-lost events and, since r5, its
// coexistence offboardings (ACCOUNT_OFFBOARDED).
type MetaAccessLostInput struct {
	DeliveryID string              `json:"delivery_id"`
	Events     []domain.AccessLost `json:"events"`
	Offboarded []domain.AccessLost `json:"offboarded,omitempty"`
}

// MetaAccessLostResult is what the delivery did: the channels disconnected,
// and how many accounts and WABAs had a notice started.
type MetaAccessLostResult struct {
	Disconnected []domain.DisconnectedChannel `json:"disconnected"`
	Notified     int                          `json:"notified"`
	Offboarded   int                          `json:"offboarded,omitempty"`
}

func disconnectOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second, RetryPolicy: backoff(time.Second, time.Minute, 0),
		Summary: "Marca os canais da WABA como desconectados na Meta"}
}
