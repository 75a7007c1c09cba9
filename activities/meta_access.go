package activities

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
)

// DisconnectInput is one access-lost event of a webhook delivery.
type DisconnectInput struct {
	DeliveryID string            `json:"delivery_id"`
	Event      domain.AccessLost `json:"event"`
	// Last: the delivery's last event, whose step marks it processed.
	Last bool `json:"last,omitempty"`
}

// DisconnectChannels marks every live channel on the event's WABA
// disconnected and returns the channels the delivery disconnected, the same
// ones when retried after it committed (postgres.Store.DisconnectWABA).
func (a *Activities) DisconnectChannels(ctx context.Context, in DisconnectInput) ([]domain.DisconnectedChannel, error) {
	now := a.now()
	chs, err := a.Store.DisconnectWABA(ctx, in.DeliveryID, in.Event, now, in.Last)
	if err != nil {
		return nil, err
	}
	if err := a.publishDisconnected(ctx, in.DeliveryID, now, chs); err != nil {
		return nil, err
	}
	for _, ch := range chs {
		a.log().Info("channel disconnected on Meta's side", "channel_id", ch.ID, "waba_id", ch.WABAID, "event", ch.Event,
			"delivery_id", in.DeliveryID)
	}
	return chs, nil
}

// DisconnectionNoticeInput is the channels of one account a delivery
// disconnected.
type DisconnectionNoticeInput struct {
	DeliveryID string                       `json:"delivery_id"`
	AccountID  string                       `json:"account_id"`
	Channels   []domain.DisconnectedChannel `json:"channels"`
	At         time.Time                    `json:"at"`
}

// NotifyDisconnected e-mails every admin of the account, once each per
// delivery, which channels Meta cut off, with the link to remove each. As in
// NotifyAdmins, each notice is recorded as soon as SendGrid accepts it.
func (a *Activities) NotifyDisconnected(ctx context.Context, in DisconnectionNoticeInput) (sent int, err error) {
	rc, err := a.Store.AccountAdmins(ctx, in.AccountID, "")
	if err != nil {
		return 0, err
	}
	n := domain.DisconnectionNotice{ChannelsNotice: domain.ChannelsNotice[domain.DisconnectedChannel]{
		AccountName: rc.AccountName, Channels: in.Channels, At: in.At, AppURL: a.AppURL}}
	return a.notifyEach(ctx, rc.Admins, n.Subject(), n.Text(),
		func(admin domain.User) string {
			return "disconnected/" + in.DeliveryID + "/" + in.AccountID + "/" + admin.ID
		},
		func(key string, admin domain.User) error {
			return a.Store.MarkDisconnectionNoticeSent(ctx, key, admin.Email)
		})
}
