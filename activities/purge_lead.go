package activities

// A purge starts only once every admin was told of it (SPEC §9, purge lead).

import (
	"context"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
	"github.com/crm/channel-removal/mail"
)

// PurgeUntold counts the account's admins whose notice of the purge on
// in.Purge.PurgeAt SendGrid has not accepted in time (by the notice day:
// domain.ToldInTime; in.Soon is true): the purge starts on its date only
// when it is 0. An admin added since the notice counts too.
func (a *Activities) PurgeUntold(ctx context.Context, in PurgeNoticeInput) (int, error) {
	rc, err := a.Store.AccountAdmins(ctx, in.AccountID, "")
	if err != nil {
		return 0, temporalerr.Encode(err)
	}
	untold := 0
	for _, admin := range rc.Admins {
		at, told, err := a.Store.NoticeSentAt(ctx, in.noticeKey(admin))
		if err != nil {
			return 0, temporalerr.Encode(err)
		}
		if !told || (in.RetentionDay > 0 && !domain.ToldInTime(at, in.Purge.PurgeAt, in.RetentionDay)) {
			untold++
		}
	}
	return untold, nil
}

// PurgeWaitInput is a purge waiting on its date for its notice.
type PurgeWaitInput struct {
	Step
	ChannelName string       `json:"channel_name"`
	Purge       domain.Purge `json:"purge"`
	Untold      int          `json:"untold"`
}

// AlertPurgeWaits e-mails MAIL_OPS, once per purge date, that the purge
// waits for its notice. Without MAIL_OPS it does nothing.
func (a *Activities) AlertPurgeWaits(ctx context.Context, in PurgeWaitInput) (bool, error) {
	if a.OpsMail == "" {
		return false, nil
	}
	at := in.Purge.PurgeAt.UTC()
	key := in.key(domain.ActionOpsAlerted, string(domain.NoticePurgeWaits), in.ChannelID, at.Format("20060102T150405Z"))
	alert := domain.PurgeWaitAlert{ChannelID: in.ChannelID, ChannelName: in.ChannelName, RemovalID: in.RemovalID, PurgeAt: at, Untold: in.Untold}
	e := in.audit(domain.ActionOpsAlerted, map[string]any{"to": a.OpsMail, "purge_waits": at, "untold": in.Untold}, key)
	sent, err := a.sendOnce(ctx, key, mail.Message{To: a.OpsMail, Subject: alert.Subject(), Text: alert.Text()},
		func() error { return a.Store.MarkNoticeSent(ctx, key, a.OpsMail, e) })
	return sent, temporalerr.Encode(err)
}
