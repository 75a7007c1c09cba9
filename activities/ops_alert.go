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

// AlertOps e-mails MAIL_OPS, once per run (sendOnce), that the removal's
// Meta unlink stays failed, with the command that retries it. Without
// MAIL_OPS it does nothing.
func (a *Activities) AlertOps(ctx context.Context, in OpsAlertInput) (bool, error) {
	if a.OpsMail == "" {
		return false, nil
	}
	key := in.key("ops_alert")
	alert := domain.OpsAlert{RemovalID: in.RemovalID, ChannelID: in.ChannelID, ChannelName: in.ChannelName,
		LastError: in.LastError, Attempts: in.Attempts, Since: in.Since, RetryUntil: in.RetryUntil}
	e := in.audit(domain.ActionOpsAlerted, map[string]any{"to": a.OpsMail, "last_error": in.LastError}, key)
	_, err := a.sendOnce(ctx, key, mail.Message{To: a.OpsMail, Subject: alert.Subject(), Text: alert.Text()},
		func() error { return a.Store.MarkNoticeSent(ctx, key, a.OpsMail, e) })
	return err == nil, err
}

// NoticeFailedInput is a security notice of the run that will not go out.
type NoticeFailedInput struct {
	Step
	ChannelName string            `json:"channel_name"`
	Notice      domain.NoticeKind `json:"notice"`
	Error       string            `json:"error"`
}

// AlertNoticeFailed e-mails MAIL_OPS, once per run and notice, that a
// security notice will not go out, so ops tell the admins another way.
// Without MAIL_OPS it does nothing.
func (a *Activities) AlertNoticeFailed(ctx context.Context, in NoticeFailedInput) (bool, error) {
	if a.OpsMail == "" {
		return false, nil
	}
	if in.AccountID == "" { // an admins' notice's step names its run alone (since r6)
		doc, err := a.runOf(ctx, &in.Step)
		if err != nil {
			return false, err
		}
		if doc.Impact != nil {
			in.ChannelName = doc.Impact.ChannelName
		}
	}
	key := in.key(domain.ActionOpsAlerted, string(in.Notice))
	alert := domain.NoticeFailedAlert{RemovalID: in.RemovalID, ChannelName: in.ChannelName, Notice: in.Notice, Error: in.Error}
	e := in.audit(domain.ActionOpsAlerted, map[string]any{"to": a.OpsMail, "notice_failed": in.Notice}, key)
	_, err := a.sendOnce(ctx, key, mail.Message{To: a.OpsMail, Subject: alert.Subject(), Text: alert.Text()},
		func() error { return a.Store.MarkNoticeSent(ctx, key, a.OpsMail, e) })
	return err == nil, err
}
