package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// MetaAccessLostWorkflow carries out one signed webhook delivery that says
// our app lost access to WABAs (SPEC §7): it disconnects every live channel
// on each, then has every admin of their accounts told, once. One run per
// delivery (MetaDeliveryID), so Meta's retries find it there; deliveries are
// safe side by side (one statement under the channels' row locks, each notice
// keyed), so no run per WABA has to outlive them.
func MetaAccessLostWorkflow(ctx workflow.Context, in MetaAccessLostInput) (MetaAccessLostResult, error) {
	var res MetaAccessLostResult
	// Coexistence's offboarded numbers first (since r5): nothing is
	// disconnected, each WABA's admins are told by a notice of its own.
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
		// Retried until it lands: Meta has already cut these channels off.
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, disconnectOptions()), a.DisconnectChannels,
			activities.DisconnectInput{DeliveryID: in.DeliveryID, Event: ev, Last: i == len(in.Events)-1}).Get(ctx, &chs); err != nil {
			return res, err // only the run's own cancellation ends the wait
		}
		res.Disconnected = append(res.Disconnected, chs...)
	}
	// Each account's admins are told by a notice of its own, keyed by the
	// delivery and the account: Meta's retries and a reset tell no one twice.
	now := workflow.Now(ctx)
	for _, acc := range byAccount(res.Disconnected) {
		workflow.SetCurrentDetails(ctx, "avisando os administradores da conta "+acc[0].AccountID)
		startNotice(ctx, NoticeID(domain.NoticeDisconnected, in.DeliveryID+":"+acc[0].AccountID),
			fmt.Sprintf("Aviso de desconexão na Meta à conta %s", acc[0].AccountID),
			Notice{Kind: domain.NoticeDisconnected, Disconnected: &activities.DisconnectionNoticeInput{
				DeliveryID: in.DeliveryID, AccountID: acc[0].AccountID, Channels: acc, At: now}})
		res.Notified++
	}
	n := len(res.Disconnected)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("%d %s; %d %s", n, domain.Plural(n, "canal desconectado", "canais desconectados"),
		res.Notified, domain.Plural(res.Notified, "conta avisada", "contas avisadas")))
	return res, nil
}

// byAccount groups channels by account, in the order the accounts come.
func byAccount(chs []domain.DisconnectedChannel) [][]domain.DisconnectedChannel {
	var groups [][]domain.DisconnectedChannel
	at := map[string]int{}
	for _, ch := range chs {
		i, ok := at[ch.AccountID]
		if !ok {
			i, at[ch.AccountID] = len(groups), len(groups)
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], ch)
	}
	return groups
}

// MetaAccessLostInput is a delivery's access-lost events and, since r5, its
// coexistence offboardings (ACCOUNT_OFFBOARDED).
type MetaAccessLostInput struct {
	DeliveryID string              `json:"delivery_id"`
	Events     []domain.AccessLost `json:"events"`
	Offboarded []domain.AccessLost `json:"offboarded,omitempty"`
}

// MetaAccessLostResult is what the delivery did.
type MetaAccessLostResult struct {
	Disconnected []domain.DisconnectedChannel `json:"disconnected"`
	// Notified counts the accounts whose admins' notice was started.
	Notified int `json:"notified"`
	// Offboarded counts the WABAs whose offboarding notice was started.
	Offboarded int `json:"offboarded,omitempty"`
}

func disconnectOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second, RetryPolicy: backoff(time.Second, time.Minute, 0),
		Summary: "Marca os canais da WABA como desconectados na Meta"}
}
