package workflows

// The purge's steps: the wait for its date, the hold, the batches, its
// records and notices, and what Temporal Web shows of it.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// awaitDate waits for the notice, then the date, acting on what comes
// first. True: continue as new (moves and holds may come for months).
func (r *purge) awaitDate(ctx workflow.Context) (continueAsNew bool) {
	if r.lead && r.mayContinueAsNew(ctx) {
		return true
	}
	now, day := workflow.Now(ctx), r.in.RetentionDay.D()
	noticeAt := domain.PurgeNoticeAt(r.p.PurgeAt, day)
	switch {
	case !r.in.NoticedFor.Equal(r.p.PurgeAt) && !now.Before(noticeAt):
		r.notify(ctx, true)
		r.in.NoticedFor = r.p.PurgeAt
	case !now.Before(r.p.PurgeAt):
		if r.lead && !r.everyAdminTold(ctx) {
			return false
		}
		r.start(ctx)
	default:
		wake, summary := r.p.PurgeAt, "até a exclusão das mensagens"
		if !r.in.NoticedFor.Equal(r.p.PurgeAt) {
			wake, summary = noticeAt, fmt.Sprintf("até o aviso aos administradores (%d dias antes)", domain.PurgeNoticeDays)
		}
		if cmd, end := r.inbox.next(ctx, wake, summary); end == gotInput {
			r.handle(ctx, cmd)
		}
	}
	return false
}

// awaitHold waits while the purge is held for an input and, since purgeV1,
// re-reads the hold every retention day: a hold lifted whose signal was lost
// still lets the purge go on. True: continue as new (a hold may last years).
func (r *purge) awaitHold(ctx workflow.Context) bool {
	if r.v == workflow.DefaultVersion {
		if cmd, end := r.inbox.next(ctx, time.Time{}, ""); end == gotInput {
			r.handle(ctx, cmd)
		}
		return false
	}
	cmd, end := r.inbox.next(ctx, workflow.Now(ctx).Add(r.in.RetentionDay.D()), "relê a retenção legal (a cada dia)")
	switch end {
	case gotInput:
		r.handle(ctx, cmd)
	case timedOut:
		var held bool
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions("")), a.PurgeHeld,
			activities.PurgeBatchInput{ChannelID: r.p.ChannelID}).Get(ctx, &held); err == nil && !held {
			r.holdChanged(ctx, purgeCommand{Kind: purgeHold, Actor: domain.ActorRetention})
		}
	}
	return r.p.Status == domain.RetentionHeld && ctx.Err() == nil && workflow.GetInfo(ctx).GetContinueAsNewSuggested() &&
		(!r.lead || r.mayContinueAsNew(ctx))
}

// start begins the purge on its date, unless a hold stands.
func (r *purge) start(ctx workflow.Context) {
	r.in.Seq++
	var held bool
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions("")), a.StartPurge, r.recordInput(r.p, domain.ActorRetention,
		domain.ActionPurgeStarted, map[string]any{"purge_at": r.p.PurgeAt})).Get(ctx, &held)
	if err != nil {
		return // only the run's cancellation ends purgeOptions' retries
	}
	next := r.p
	next.Status = domain.RetentionPurging
	if held {
		next.Status = domain.RetentionHeld
		r.record(ctx, next, domain.ActorRetention, domain.ActionPurgeHeld, map[string]any{"reason": "retenção legal no canal"})
		return
	}
	if next.StartedAt == nil { // a purge a hold stopped keeps when it first began
		now := workflow.Now(ctx)
		next.StartedAt = &now
	}
	r.take(ctx, next)
}

// purgeBatches deletes batch after batch until no message is left, a hold
// stops it, or the history should continue as new (true).
func (r *purge) purgeBatches(ctx workflow.Context) (continueAsNew bool) {
	for {
		for _, cmd := range r.inbox.drain() { // each batch reads the hold itself
			if cmd.Kind != purgeHold {
				r.inbox.answer(cmd.ID, r.refusal(cmd.Kind, cmd.PurgeAt, workflow.Now(ctx), r.lead))
			}
		}
		var res activities.PurgeBatchResult
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeBatchOptions()), a.PurgeBatch,
			activities.PurgeBatchInput{ChannelID: r.p.ChannelID, Size: domain.PurgeBatchSize}).Get(ctx, &res); err != nil {
			return false
		}
		next := res.Purge
		next.Status, next.StartedAt = r.p.Status, r.p.StartedAt
		switch {
		case res.Batch.Held:
			next.Status = domain.RetentionHeld
			r.record(ctx, next, domain.ActorRetention, domain.ActionPurgeHeld, map[string]any{"reason": "retenção legal no canal",
				"purged_messages": next.PurgedMessages})
			return false
		case res.Batch.Done:
			next.Status = domain.RetentionPurged
			r.record(ctx, next, domain.ActorRetention, domain.ActionMessagesPurged, map[string]any{
				"messages": next.PurgedMessages, "conversations": next.PurgedConversations})
			r.notify(ctx, false)
			return false
		}
		r.take(ctx, next)
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() && (!r.lead || r.mayContinueAsNew(ctx)) {
			return true
		}
	}
}

// record writes next, decided here, with its audit record, then takes it.
func (r *purge) record(ctx workflow.Context, next domain.Purge, actor domain.Actor, action domain.Action, detail map[string]any) {
	r.in.Seq++
	// Retried until it lands, even when ops cancel the run meanwhile.
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions("")), a.RecordPurge,
		r.recordInput(next, actor, action, detail)).Get(ctx, nil)
	r.take(ctx, next)
}

func (r *purge) recordInput(p domain.Purge, actor domain.Actor, action domain.Action, detail map[string]any) activities.PurgeRecordInput {
	return activities.PurgeRecordInput{Step: r.step(actor), Purge: p, Action: action, Detail: detail, Seq: r.in.Seq}
}

func (r *purge) step(actor domain.Actor) activities.Step {
	return activities.Step{RemovalID: r.p.RemovalID, RunID: r.in.RemovalRunID, AccountID: r.p.AccountID, ChannelID: r.p.ChannelID, Actor: actor}
}

// notify tells every admin the purge is near (soon) or done. Since purgeV1
// a notice workflow does, which the purge does not wait for.
func (r *purge) notify(ctx workflow.Context, soon bool) {
	if r.v != workflow.DefaultVersion {
		kind, id := domain.NoticePurgeDone, r.p.ChannelID+":"+r.in.RemovalRunID
		if soon { // one notice per date: a moved purge is announced again
			kind, id = domain.NoticePurgeSoon, fmt.Sprintf("%s:%d", r.p.ChannelID, r.p.PurgeAt.Unix())
		}
		n := r.noticeInput(soon)
		startNotice(ctx, NoticeID(kind, id), PurgeSummary(r.in.ChannelName, r.p.ChannelID), Notice{Kind: kind, Purge: &n})
		return
	}
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeNoticeOptions()), a.NotifyPurge, r.noticeInput(soon)).Get(ctx, nil)
}

func (r *purge) take(ctx workflow.Context, p domain.Purge) {
	r.p = p
	r.show(ctx)
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

// PurgeSummary is the purge run's one-line summary in Temporal Web.
func PurgeSummary(channelName, channelID string) string {
	return fmt.Sprintf("Exclusão das mensagens do canal %q (%s)", channelName, channelID)
}

// mayContinueAsNew: the history should continue as new and nothing would be
// lost by it (no input queued, no signal not yet queued, no update waiting).
func (r *purge) mayContinueAsNew(ctx workflow.Context) bool {
	if !workflow.GetInfo(ctx).GetContinueAsNewSuggested() || len(r.inbox.queue) > 0 || !workflow.AllHandlersFinished(ctx) {
		return false
	}
	for _, name := range []string{SignalCancelPurge, SignalMovePurge, SignalHoldChanged} {
		if workflow.GetSignalChannel(ctx, name).Len() > 0 {
			return false
		}
	}
	return true
}
