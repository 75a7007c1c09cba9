package workflows

// The purge's lead (SPEC §9, since r5): a purge is never nearer than the
// admins' notice. A move nearer than PurgeNoticeDays retention days is
// refused (refusal); a hold lifted late, or lifted from a purge that had
// begun, moves the date to the lead from now (holdChanged); and on its date
// the purge starts only if SendGrid accepted the notice of that date for
// every admin, else the date moves on by the lead and everyone is told
// again (everyAdminTold). A stolen admin session therefore cannot have
// messages purged before the other admins could read a notice and cancel,
// move or hold the purge.

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// purgeLeadChangeID names the change of r5, the lead.
const purgeLeadChangeID = "r5-purge-lead"

// leadFromHere turns the lead on from the first workflow task a build with
// it runs for this purge. Its GetVersion is keyed by that task (the
// history's length there): replaying an earlier build's task it finds no
// marker and answers DefaultVersion, which decides nothing for later tasks;
// the first task this build decides records the marker, and every later
// replay finds it. So a purge pending when r5 is deployed (auto-upgrading,
// for up to 180 days) keeps the lead from its next task on, and one begun on
// r5 from its first. A single change id read once would have answered
// DefaultVersion for good to a run whose first read was a replay.
func (r *purge) leadFromHere(ctx workflow.Context) {
	if r.lead {
		return
	}
	id := fmt.Sprintf("%s@%d", purgeLeadChangeID, workflow.GetInfo(ctx).GetCurrentHistoryLength())
	r.lead = workflow.GetVersion(ctx, id, workflow.DefaultVersion, 1) == 1
}

// everyAdminTold says, on the purge's date, whether every admin's notice of
// it was accepted (an admin added since counts). When not, no admin may lose
// messages they were not warned of in time: the purge moves to the lead
// from now, every admin is told of the new date, and ops are told once per
// date that it waited.
func (r *purge) everyAdminTold(ctx workflow.Context) bool {
	var untold int
	notice := r.noticeInput(true)
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions()), a.PurgeUntold, notice).Get(ctx, &untold); err != nil {
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
