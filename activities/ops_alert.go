package activities

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/mail"
)

// OpsAlertInput is a removal that has stayed in completed_with_warnings.
type OpsAlertInput struct {
	Step
	ChannelName string    `json:"channel_name"`
	LastError   string    `json:"last_error"`
	Attempts    int       `json:"attempts"`
	Since       time.Time `json:"since"`
	RetryUntil  time.Time `json:"retry_until"`
}

// AlertOps e-mails MAIL_OPS, once per run, that the removal's Meta unlink
// stays failed, with the command that retries it. Without MAIL_OPS it does
// nothing. A retry after the provider accepted the mail and the notice was
// recorded sends nothing; a crash between the two would send it again
// (SendGrid has no idempotency key).
func (a *Activities) AlertOps(ctx context.Context, in OpsAlertInput) (bool, error) {
	if a.OpsMail == "" {
		return false, nil
	}
	key := in.key("ops_alert")
	if sent, err := a.Store.NoticeSent(ctx, key); err != nil || sent {
		return sent, err
	}
	alert := domain.OpsAlert{RemovalID: in.RemovalID, ChannelID: in.ChannelID, ChannelName: in.ChannelName,
		LastError: in.LastError, Attempts: in.Attempts, Since: in.Since, RetryUntil: in.RetryUntil}
	if err := a.Mail.Send(ctx, mail.Message{To: a.OpsMail, Subject: alert.Subject(), Text: alert.Text()}); err != nil {
		return false, err
	}
	e := in.audit("ops_alerted", map[string]any{"to": a.OpsMail, "last_error": in.LastError}, key)
	return true, a.Store.MarkNoticeSent(ctx, key, a.OpsMail, e)
}
