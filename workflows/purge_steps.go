package workflows

// The purge's steps: its date, its hold, its batches, records and notices.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// awaitDate tells the admins, then starts on the date, acting meanwhile on
// the inputs. True: continue as new (moves and holds may come for months).
func (r *purge) awaitDate(ctx workflow.Context) (continueAsNew bool) {
	if r.lead && r.continueAsNew(ctx) {
		return true
	}
	switch due, wake, summary := domain.PurgeScheduledStep(r.p, r.in.NoticedFor, workflow.Now(ctx), r.in.RetentionDay.D()); due {
	case domain.PurgeNoticeDue:
		r.notify(ctx, domain.NoticePurgeSoon)
		r.in.NoticedFor = r.p.PurgeAt
	case domain.PurgeDateDue:
		if !r.lead || r.everyAdminTold(ctx) {
			r.start(ctx)
		}
	default:
		r.wait(ctx, wake, summary)
	}
	return false
}

// awaitHold waits for an input while the purge is held and, since purgeV1,
// re-reads the hold every retention day, so a lift whose signal was lost
// still lets the purge go on. True: continue as new (a hold may last years).
func (r *purge) awaitHold(ctx workflow.Context) bool {
	var wake time.Time
	if r.v != workflow.DefaultVersion {
		wake = workflow.Now(ctx).Add(r.in.RetentionDay.D())
	}
	var held bool
	if r.wait(ctx, wake, domain.PurgeHoldRereadSummary) == timedOut &&
		r.run(ctx, a.PurgeHeld, activities.PurgeBatchInput{ChannelID: r.p.ChannelID}, &held) && !held {
		r.handle(ctx, purgeCommand{Kind: SignalHoldChanged, Actor: domain.ActorRetention})
	}
	return !wake.IsZero() && r.p.Status == domain.RetentionHeld && ctx.Err() == nil && r.continueAsNew(ctx)
}

// wait acts on the next input that comes before wake (zero: none).
func (r *purge) wait(ctx workflow.Context, wake time.Time, summary string) waitEnd {
	cmd, end := r.inbox.next(ctx, wake, summary)
	if end == gotInput {
		r.handle(ctx, cmd)
	}
	return end
}

// start begins the purge on its date, unless a hold stands.
func (r *purge) start(ctx workflow.Context) {
	r.in.Seq++
	var held bool
	if r.run(ctx, a.StartPurge, r.recordInput(domain.ActorRetention, domain.PurgeStart(r.p)), &held) {
		r.record(ctx, domain.ActorRetention, domain.PurgeStarted(r.p, held, workflow.Now(ctx)))
	}
}

// purgeBatches deletes batch after batch until no message is left, a hold
// stops it, or the history should continue as new (true).
func (r *purge) purgeBatches(ctx workflow.Context) (continueAsNew bool) {
	for {
		r.refuseQueued(workflow.Now(ctx), r.lead) // each batch reads the hold itself
		var res activities.PurgeBatchResult
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeBatchOptions()), a.PurgeBatch,
			activities.PurgeBatchInput{ChannelID: r.p.ChannelID, Size: domain.PurgeBatchSize}).Get(ctx, &res); err != nil {
			return false
		}
		c := domain.PurgeAfterBatch(r.p, res.Purge, res.Batch.Held, res.Batch.Done)
		r.record(ctx, domain.ActorRetention, c)
		if c.Next.Status == domain.RetentionPurged {
			r.notify(ctx, domain.NoticePurgeDone)
		}
		if c.Next.Status != domain.RetentionPurging || r.continueAsNew(ctx) {
			return c.Next.Status == domain.RetentionPurging
		}
	}
}

// everyAdminTold (r5) says, on the purge's date, whether every admin's
// notice of it was accepted (an admin added since counts). When not, the
// purge moves to the lead from now, and ops are told once per date.
func (r *purge) everyAdminTold(ctx workflow.Context) bool {
	var untold int
	notice := r.noticeInput(true)
	if ok := r.run(ctx, a.PurgeUntold, notice, &untold); !ok || untold == 0 {
		return ok
	}
	if !r.in.OpsToldFor.Equal(r.p.PurgeAt) {
		r.in.OpsToldFor = r.p.PurgeAt
		r.notice(ctx, Notice{Kind: domain.NoticePurgeWaits, PurgeWait: &activities.PurgeWaitInput{
			Step: notice.Step, ChannelName: r.in.ChannelName, Purge: r.p, Untold: untold}})
	}
	r.record(ctx, domain.ActorRetention, domain.PurgeUntold(r.p, untold, workflow.Now(ctx), r.in.RetentionDay.D()))
	return false
}

// run runs a step, retried until it lands: false only when the run is cancelled.
func (r *purge) run(ctx workflow.Context, activity, input, result any) bool {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions("")), activity, input).Get(ctx, result) == nil
}

// record writes c.Next with its audit record (if any), then takes it.
func (r *purge) record(ctx workflow.Context, actor domain.Actor, c domain.PurgeChange) {
	if c.Action != "" {
		r.in.Seq++
		ctx, _ = workflow.NewDisconnectedContext(ctx) // written even when ops cancel the run meanwhile
		r.run(ctx, a.RecordPurge, r.recordInput(actor, c), nil)
	}
	r.p = c.Next
	r.show(ctx)
}

func (r *purge) recordInput(actor domain.Actor, c domain.PurgeChange) activities.PurgeRecordInput {
	return activities.PurgeRecordInput{Step: r.step(actor), Purge: c.Next, Action: c.Action, Detail: c.Detail, Seq: r.in.Seq}
}

func (r *purge) step(actor domain.Actor) activities.Step {
	return activities.Step{RemovalID: r.p.RemovalID, RunID: r.in.RemovalRunID, AccountID: r.p.AccountID, ChannelID: r.p.ChannelID, Actor: actor}
}

// notify tells every admin the purge is near (NoticePurgeSoon) or done.
// Since purgeV1 a notice workflow does, which the purge does not wait for.
func (r *purge) notify(ctx workflow.Context, kind domain.NoticeKind) {
	n := r.noticeInput(kind == domain.NoticePurgeSoon)
	if r.v == workflow.DefaultVersion {
		_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeNoticeOptions()), a.NotifyPurge, n).Get(ctx, nil)
		return
	}
	r.notice(ctx, Notice{Kind: kind, Purge: &n})
}

func (r *purge) notice(ctx workflow.Context, n Notice) {
	startNotice(ctx, NoticeID(n.Kind, domain.PurgeNoticeKey(n.Kind, r.p, r.in.RemovalRunID)), PurgeSummary(r.in.ChannelName, r.p.ChannelID), n)
}

// noticeInput is the input of the admins' notice, before the purge (soon) or after.
func (r *purge) noticeInput(soon bool) activities.PurgeNoticeInput {
	in := activities.PurgeNoticeInput{Step: r.step(domain.ActorRetention), ChannelName: r.in.ChannelName, Purge: r.p, Soon: soon}
	if r.lead {
		in.RetentionDay = r.in.RetentionDay.D()
	}
	return in
}

// show puts the purge's state in Temporal Web's current details and, since
// purgeV1, its search attributes (PurgeStatus = 'held', PurgeAt < …).
func (r *purge) show(ctx workflow.Context) {
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — %s", r.p.Status, domain.PurgeStep(r.p)))
	if r.v == workflow.DefaultVersion {
		return
	}
	sa := workflow.GetTypedSearchAttributes(ctx)
	status, _ := sa.GetKeyword(SAPurgeStatus)
	at, _ := sa.GetTime(SAPurgeAt)
	if status == string(r.p.Status) && at.Equal(r.p.PurgeAt) {
		return // no event for nothing
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, SAPurgeStatus.ValueSet(string(r.p.Status)), SAPurgeAt.ValueSet(r.p.PurgeAt)); err != nil {
		workflow.GetLogger(ctx).Error("search attribute upsert failed", "error", err)
	}
}

// continueAsNew: the history should continue as new and, under the lead, no
// input (queued, in a signal channel, or an update's) would be lost by it.
func (r *purge) continueAsNew(ctx workflow.Context) bool {
	if !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		return false
	}
	queued := len(r.inbox.queue)
	for _, name := range []string{SignalCancelPurge, SignalMovePurge, SignalHoldChanged} {
		queued += workflow.GetSignalChannel(ctx, name).Len()
	}
	return !r.lead || queued == 0 && workflow.AllHandlersFinished(ctx)
}
