package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// The security notices (the admins' notice, the guess-limit notice, the ops
// alert) are the control against a stolen session: they are retried until
// SendGrid accepts them (noticeOptions), never dropped after a while. Only a
// refusal no retry can change (an address SendGrid rejects) ends the wait; it
// is audited as notice_failed, so the trail shows the notice did not go.

// alertOps tells ops, once per run, that the removal stays in
// completed_with_warnings (MAIL_OPS; the worker sends nothing without it).
func (r *removal) alertOps(ctx workflow.Context, deadline time.Time) {
	r.opsAlerted = true
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opsAlertOptions()), a.AlertOps, activities.OpsAlertInput{
		Step: r.step(r.actor), ChannelName: r.channelName(), LastError: r.metaError(), Attempts: r.doc.MetaUnlink.Attempts,
		Since: r.warnedAt, RetryUntil: deadline}).Get(ctx, nil)
	r.noticeFailed(ctx, domain.NoticeOps, err)
}

// notifyAdmins tells every admin of the account, once per run, that the
// channel was removed: when the run completes, or when it first reaches
// completed_with_warnings (the channel is gone either way).
func (r *removal) notifyAdmins(ctx workflow.Context) {
	if r.adminsNotified || (r.doc.Status != domain.StatusCompleted && r.doc.Status != domain.StatusCompletedWithWarnings) {
		return
	}
	r.adminsNotified = true
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, noticeOptions()), a.NotifyAdmins, activities.NoticeInput{
		Step: r.step(r.actor), ChannelName: r.channelName(), Status: r.doc.Status, MetaError: r.metaError(),
		At: workflow.Now(ctx)}).Get(ctx, nil)
	r.noticeFailed(ctx, domain.NoticeAdmins, err)
}

// notifyGuessLimit tells every admin of the account that the channel's wrong
// codes across runs reached the limit (SPEC §8), with who entered the last one.
func (r *removal) notifyGuessLimit(ctx workflow.Context, actor domain.Actor) {
	o := noticeOptions()
	o.Summary = "Avisa os administradores das tentativas de código"
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), a.NotifyGuessLimit, activities.GuessLimitInput{
		Step: r.step(actor), ChannelName: r.channelName()}).Get(ctx, nil)
	r.noticeFailed(ctx, domain.NoticeGuessLimit, err)
}

// noticeFailed audits a notice that will not go out (err nil: it went) and,
// for the admins' notices, tells ops (MAIL_OPS) to tell the admins another
// way; if that fails too, the audit record and the log are what remain.
func (r *removal) noticeFailed(ctx workflow.Context, notice domain.NoticeKind, err error) {
	if err == nil {
		return
	}
	why := temporalerr.Message(err)
	workflow.GetLogger(ctx).Error("notice not sent", "notice", notice, "error", err)
	r.audit(ctx, domain.ActionNoticeFailed, r.actor, map[string]string{"notice": string(notice), "error": why}, nil)
	if notice == domain.NoticeOps {
		return
	}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opsAlertOptions()), a.AlertNoticeFailed, activities.NoticeFailedInput{
		Step: r.step(r.actor), ChannelName: r.channelName(), Notice: notice, Error: why}).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("ops not told of a notice not sent", "notice", notice, "error", err)
	}
}
