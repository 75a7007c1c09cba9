package activities

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
)

// NoticeInput is a removal that removed its channel: completed, or
// completed_with_warnings with Meta's error.
type NoticeInput struct {
	Step
	ChannelName string        `json:"channel_name"`
	Status      domain.Status `json:"status"`
	MetaError   string        `json:"meta_error,omitempty"`
	At          time.Time     `json:"at"`
	// Export, when set, makes this the notice of an export of the channel's
	// conversations (export.go), not of its removal.
	Export *ExportFacts `json:"export,omitempty"`
	// NumberMove: the notice says what taking the WhatsApp number elsewhere
	// needs (domain.NumberMoveApplies, since r5).
	NumberMove bool `json:"number_move,omitempty"`
}

// NotifyAdmins e-mails every admin of the account, once each, that the
// channel was removed, by whom, when, from where and with what outcome
// (SPEC §7). Each admin's notice is recorded, with its admin_notified audit
// record, as soon as SendGrid accepts it: a retry, or a worker killed
// mid-way, sends only the notices not yet recorded.
func (a *Activities) NotifyAdmins(ctx context.Context, in NoticeInput) (sent int, err error) {
	if in.Export != nil {
		return a.notifyExport(ctx, in)
	}
	// The integrators first: a SendGrid outage delays the e-mails, not them.
	if err := a.publishRemoval(ctx, in); err != nil {
		return 0, err
	}
	rc, err := a.Store.AccountAdmins(ctx, in.AccountID, in.Actor.UserID)
	if err != nil {
		return 0, err
	}
	n := domain.RemovalNotice{AccountName: rc.AccountName, ChannelName: in.ChannelName, ChannelID: in.ChannelID,
		RemovalID: in.RemovalID, RemovedBy: rc.ActorName, RemovedByEmail: rc.ActorEmail, IP: in.Actor.IP, At: in.At,
		Status: in.Status, MetaError: in.MetaError, AppURL: a.AppURL, NumberMove: in.NumberMove}
	if n.RemovedBy == "" {
		n.RemovedBy = in.Actor.UserID
	}
	return a.notifyEach(ctx, rc.Admins, n.Subject(), n.Text(),
		func(admin domain.User) string { return in.key(domain.ActionAdminNotified, admin.ID) },
		func(key string, admin domain.User) error {
			return a.Store.MarkNoticeSent(ctx, key, admin.Email, in.audit(domain.ActionAdminNotified, map[string]any{"to": admin.Email, "outcome": in.Status}, key))
		})
}
