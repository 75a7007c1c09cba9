package workflows

// The purge's lead (SPEC §9, since r5): a purge is never nearer than the
// admins' notice, so a stolen admin session cannot have messages purged
// before the other admins could read a notice and stop it. A move nearer
// than the lead is refused, a hold lifted late moves the date to the lead
// from now, and on its date the purge starts only if every admin's notice
// of that date was accepted (everyAdminTold).

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// purgeLeadChangeID names the change of r5, the lead.
const purgeLeadChangeID = "r5-purge-lead"

// leadFromHere turns the lead on from the first workflow task a build with
// it decides. Its GetVersion is keyed by that task (the history's length):
// replaying an earlier build's task finds no marker (DefaultVersion, which
// decides nothing for later tasks); the first task decided here records it.
// So a purge pending when r5 was deployed keeps the lead from its next task
// on; one change id read once would answer DefaultVersion for good.
func (r *purge) leadFromHere(ctx workflow.Context) {
	if r.lead {
		return
	}
	id := fmt.Sprintf("%s@%d", purgeLeadChangeID, workflow.GetInfo(ctx).GetCurrentHistoryLength())
	r.lead = workflow.GetVersion(ctx, id, workflow.DefaultVersion, 1) == 1
}

// everyAdminTold says, on the purge's date, whether every admin's notice of
// it was accepted (an admin added since counts). When not, the purge moves
// to the lead from now, every admin is told of the new date, and ops are
// told once per date that it waited.
func (r *purge) everyAdminTold(ctx workflow.Context) bool {
	var untold int
	notice := r.noticeInput(true)
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions("")), a.PurgeUntold, notice).Get(ctx, &untold); err != nil {
		return false // only the run's cancellation ends purgeOptions' retries
	}
	if untold == 0 {
		return true
	}
	if !r.in.OpsToldFor.Equal(r.p.PurgeAt) {
		r.in.OpsToldFor = r.p.PurgeAt
		startNotice(ctx, NoticeID(domain.NoticePurgeWaits, fmt.Sprintf("%s:%d", r.p.ChannelID, r.p.PurgeAt.Unix())),
			PurgeSummary(r.in.ChannelName, r.p.ChannelID), Notice{Kind: domain.NoticePurgeWaits, PurgeWait: &activities.PurgeWaitInput{
				Step: notice.Step, ChannelName: r.in.ChannelName, Purge: r.p, Untold: untold}})
	}
	next := r.p
	next.PurgeAt = domain.PurgeAfterHold(r.p.PurgeAt, workflow.Now(ctx), r.in.RetentionDay.D())
	r.record(ctx, next, domain.ActorRetention, domain.ActionPurgeMoved, map[string]any{"from": r.p.PurgeAt, "to": next.PurgeAt,
		"reason": "aviso não entregue a todos os administradores", "untold": untold})
	return false
}

// noticeInput is the input of the purge's notice, before it (soon) or after.
func (r *purge) noticeInput(soon bool) activities.PurgeNoticeInput {
	in := activities.PurgeNoticeInput{Step: r.step(domain.ActorRetention), ChannelName: r.in.ChannelName, Purge: r.p, Soon: soon}
	if r.lead {
		in.RetentionDay = r.in.RetentionDay.D()
	}
	return in
}
