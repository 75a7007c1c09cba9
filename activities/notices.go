package activities

import (
	"context"

	"github.com/crm/channel-removal/mail"
)

// sendOnce e-mails msg unless its notice key already went out, and records it
// with mark as soon as SendGrid accepted it: a retry, or a worker killed after
// the record, sends nothing more (the notices table). sent says this call
// sent it. SendGrid has no idempotency key: a kill between its acceptance and
// mark would send it again.
func (a *Activities) sendOnce(ctx context.Context, key string, msg mail.Message, mark func() error) (sent bool, err error) {
	if done, err := a.Store.NoticeSent(ctx, key); err != nil || done {
		return false, err
	}
	if err := a.Mail.Send(ctx, msg); err != nil {
		a.log().Warn("notice not sent", "key", key, "to", msg.To, "error", err)
		return false, err
	}
	return true, mark()
}
