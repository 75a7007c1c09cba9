package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// The removal's notices (the admins', the guess limit's, the ops alert) are
// the control against a stolen session: each is a notice workflow of its own
// (notice.go), which the run starts and does not wait for.

// alertOps tells ops, once per run, that the removal stays in
// completed_with_warnings (MAIL_OPS; the worker sends nothing without it).
func (r *removal) alertOps(ctx workflow.Context, deadline time.Time) {
	r.meta.opsAlerted = true
	r.notice(ctx, Notice{Kind: domain.NoticeOps, Ops: &activities.OpsAlertInput{
		Step: r.step(r.actor), ChannelName: r.channelName(), LastError: r.doc.MetaUnlink.LastMetaError(), Attempts: r.doc.MetaUnlink.Attempts,
		Since: r.meta.warnedAt, RetryUntil: deadline}}, "Alerta à equipe de operações")
}

// notifyAdmins tells every admin, once per run, that the channel was
// removed: when the run completes or first reaches completed_with_warnings.
func (r *removal) notifyAdmins(ctx workflow.Context) {
	if r.adminsNotified || (r.doc.Status != domain.StatusCompleted && r.doc.Status != domain.StatusCompletedWithWarnings) {
		return
	}
	r.adminsNotified = true
	// The ids name the run's row, which the activity reads the rest from.
	step := activities.Step{RemovalID: r.doc.ID, RunID: r.doc.RunID, Actor: r.actor}
	r.notice(ctx, Notice{Kind: domain.NoticeAdmins, Admins: &activities.NoticeInput{
		Step: step, Status: r.doc.Status, MetaError: r.doc.MetaUnlink.LastMetaError()}}, "Aviso aos administradores: canal removido")
}

// notifyGuessLimit tells every admin of the account that the channel's wrong
// codes across runs reached the limit (SPEC §8), with who entered the last one.
func (r *removal) notifyGuessLimit(ctx workflow.Context, actor domain.Actor) {
	r.notice(ctx, Notice{Kind: domain.NoticeGuessLimit, GuessLimit: &activities.GuessLimitInput{
		Step: r.step(actor), ChannelName: r.channelName()}}, "Aviso aos administradores: tentativas de código")
}

// notice starts the run's notice of its kind, keyed by the first run id
// (which a reset keeps): it starts once whatever replays or resets.
func (r *removal) notice(ctx workflow.Context, n Notice, summary string) {
	startNotice(ctx, NoticeID(n.Kind, r.doc.RunID), summary, n)
}
