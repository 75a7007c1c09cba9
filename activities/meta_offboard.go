package activities

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
)

// OffboardedNoticeInput is one ACCOUNT_OFFBOARDED event of a delivery.
type OffboardedNoticeInput struct {
	DeliveryID string            `json:"delivery_id"`
	Event      domain.AccessLost `json:"event"`
	At         time.Time         `json:"at"`
}

// NotifyOffboarded e-mails every admin of each account with a live channel
// on the event's WABA, once each per delivery and WABA, that its
// coexistence number left the Cloud API for now; nothing is disconnected
// (domain/meta_offboard.go). The channels are read when the notice goes
// out: a channel removed meanwhile is not named, and a WABA with none is
// nobody's to tell.
func (a *Activities) NotifyOffboarded(ctx context.Context, in OffboardedNoticeInput) (sent int, err error) {
	chs, err := a.Store.LiveChannelsOnWABA(ctx, in.Event.WABAID)
	if err != nil {
		return 0, err
	}
	var first error
	for _, acc := range domain.GroupByAccount(chs) {
		rc, err := a.Store.AccountAdmins(ctx, acc[0].AccountID, "")
		if err != nil {
			return sent, err
		}
		n := domain.OffboardedNotice{WABAID: in.Event.WABAID, ChannelsNotice: domain.ChannelsNotice[domain.WABAChannel]{
			AccountName: rc.AccountName, Channels: acc, At: in.At, AppURL: a.AppURL}}
		got, err := a.notifyEach(ctx, rc.Admins, n.Subject(), n.Text(),
			func(admin domain.User) string {
				return "offboarded/" + in.DeliveryID + "/" + in.Event.WABAID + "/" + acc[0].AccountID + "/" + admin.ID
			},
			func(key string, admin domain.User) error {
				return a.Store.MarkDisconnectionNoticeSent(ctx, key, admin.Email)
			})
		sent += got
		if err != nil && first == nil {
			first = err // the other accounts are still told in this attempt
		}
	}
	a.log().Info("coexistence number offboarded: admins told, channel kept", "waba_id", in.Event.WABAID,
		"delivery_id", in.DeliveryID, "channels", len(chs), "sent", sent)
	return sent, first
}

// MarkDeliveryProcessed marks a delivery's work done when none of its events
// disconnected anything (whose last step marks it otherwise).
func (a *Activities) MarkDeliveryProcessed(ctx context.Context, deliveryID string) error {
	return a.Store.MarkDeliveryProcessed(ctx, deliveryID, a.now())
}
