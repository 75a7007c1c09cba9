package activities

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// GuessLimitInput is the run whose wrong code used up the channel's wrong
// codes across runs; Actor entered it.
type GuessLimitInput struct {
	Step
	ChannelName string `json:"channel_name"`
}

// NotifyGuessLimit e-mails every admin of the account, once each, that the
// channel's verification code was got wrong as often as the limit allows, by
// whom and from where, and that new removals of it are refused for a while
// (SPEC §8). Each admin's notice is recorded with its audit record as soon as
// SendGrid accepts it, as NotifyAdmins does.
func (a *Activities) NotifyGuessLimit(ctx context.Context, in GuessLimitInput) (sent int, err error) {
	rc, err := a.Store.AccountAdmins(ctx, in.AccountID, in.Actor.UserID)
	if err != nil {
		return 0, temporalerr.Encode(err)
	}
	hist, err := a.Store.CodeHistory(ctx, in.ChannelID, in.AccountID, a.Policy.Limits)
	if err != nil {
		return 0, temporalerr.Encode(err)
	}
	n := domain.GuessLimitNotice{AccountName: rc.AccountName, ChannelName: in.ChannelName, RemovalID: in.RemovalID,
		Wrong: hist.WrongByChannel, By: rc.ActorName, ByEmail: rc.ActorEmail, IP: in.Actor.IP, At: a.now(), AppURL: a.AppURL,
		Wait: a.Policy.Limits.LockedPerChannel.Window}
	if r := a.Policy.Limits.GuessRefusal(hist); r != nil {
		n.Wait = time.Duration(r.RetryAfter) * time.Second
	}
	if n.By == "" {
		n.By = in.Actor.UserID
	}
	return a.notifyEach(ctx, rc.Admins, n.Subject(), n.Text(),
		func(admin domain.User) string { return in.key(domain.ActionGuessLimitNotified, admin.ID) },
		func(key string, admin domain.User) error {
			return a.Store.MarkNoticeSent(ctx, key, admin.Email,
				in.audit(domain.ActionGuessLimitNotified, map[string]any{"to": admin.Email, "wrong_codes": n.Wrong}, key))
		})
}
