package activities

import (
	"context"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
	"github.com/crm/channel-removal/mail"
)

// notifyEach sends each admin, once, the notice of subject and text: key names
// an admin's notice, mark records it once SendGrid accepted it. It heartbeats
// after each admin, so a killed worker's attempt is retried soon and sends
// only the notices not yet recorded. An admin's address SendGrid refuses
// does not keep the admins after it from being told: each is tried, and the
// first error is the attempt's (retried for those not yet told).
func (a *Activities) notifyEach(ctx context.Context, admins []domain.User, subject, text string,
	key func(admin domain.User) string, mark func(key string, admin domain.User) error) (sent int, err error) {
	var first error
	for _, admin := range admins {
		k := key(admin)
		ok, err := a.sendOnce(ctx, k, mail.Message{To: admin.Email, Subject: subject, Text: text}, func() error { return mark(k, admin) })
		if err != nil {
			if first == nil {
				first = err
			}
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if ok {
			sent++
			heartbeat(ctx, sent)
		}
	}
	return sent, temporalerr.Encode(first)
}

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
