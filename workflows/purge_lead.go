package workflows

// The purge's lead (SPEC §9, since purgeLead): a purge is never nearer than
// the admins' notice. A move nearer than PurgeNoticeDays retention days is
// refused (refusal), a hold lifted late moves the date to the lead from now
// (holdChanged), and on its date the purge starts only once SendGrid has
// accepted the notice for every admin (everyAdminTold). A stolen admin
// session therefore cannot have messages purged before the other admins
// could read the notice and cancel, move or hold the purge.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// purgeLeadChangeID names the change of r5 (the lead), read by GetVersion
// as the purge starts: a run begun on an earlier build keeps its shape until
// it continues as new.
const purgeLeadChangeID = "r5-purge-lead"

// everyAdminTold says, on the purge's date, whether every admin's notice of
// it was accepted. When not, the purge waits, answering admins' and ops'
// inputs, and reads again every quarter of a retention day: ops are told at
// the first reading, and from the second on the notice is told again (those
// already told get nothing; the notice sent on the notice day has had its
// retries by then, so the two do not send at once).
func (r *purge) everyAdminTold(ctx workflow.Context) bool {
	var untold int
	notice := r.noticeInput(true)
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions()), a.PurgeUntold, notice).Get(ctx, &untold); err != nil {
		return false // only the run's cancellation ends purgeOptions' retries
	}
	if untold == 0 {
		return true
	}
	every := max(r.in.RetentionDay.D()/4, minRetell)
	if !r.in.OpsToldFor.Equal(r.p.PurgeAt) {
		r.in.OpsToldFor = r.p.PurgeAt
		startNotice(ctx, NoticeID(domain.NoticePurgeWaits, fmt.Sprintf("%s:%d", r.p.ChannelID, r.p.PurgeAt.Unix())),
			PurgeSummary(r.in.ChannelName, r.p.ChannelID), Notice{Kind: domain.NoticePurgeWaits, PurgeWait: &activities.PurgeWaitInput{
				Step: notice.Step, ChannelName: r.in.ChannelName, Purge: r.p, Untold: untold}})
	} else {
		r.in.Retold++
		startNoticeWithin(ctx, NoticeID(domain.NoticePurgeSoon, fmt.Sprintf("%s:%d:%d", r.p.ChannelID, r.p.PurgeAt.Unix(), r.in.Retold)),
			PurgeSummary(r.in.ChannelName, r.p.ChannelID), Notice{Kind: domain.NoticePurgeSoon, Purge: &notice}, every)
	}
	if cmd, end := r.next(ctx, workflow.Now(ctx).Add(every), "aguarda o aviso a todos os administradores"); end == gotInput {
		r.handle(ctx, cmd)
	}
	return false
}

// minRetell bounds how often a waiting purge reads and tells again when
// RETENTION_DAY is shortened (tests), so a notice has time to go out.
const minRetell = 5 * time.Second

// noticeInput is the input of the purge's notice, before it (soon) or after.
func (r *purge) noticeInput(soon bool) activities.PurgeNoticeInput {
	return activities.PurgeNoticeInput{Step: r.step(domain.ActorRetention), ChannelName: r.in.ChannelName, Purge: r.p, Soon: soon}
}
