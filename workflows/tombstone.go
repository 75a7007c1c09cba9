package workflows

// The tombstone: the channel removed in Postgres, through an outage if need be.

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// deleteChannel tombstones the channel. The removal depends on no one from
// here, so the verification is answered once the tombstone's outcome is
// known, or as accepted ("removing") while the database keeps it waiting.
// ok is false when the run ended here.
func (r *removal) deleteChannel(ctx workflow.Context, verified command) (ok bool) {
	r.actor = verified.Actor
	r.show(ctx, domain.StatusRemoving, domain.StatusStep(domain.StatusRemoving))
	d, decided, err := r.tombstone(ctx)
	if err != nil && temporalerr.Retryable(err) {
		// The database is away, or another transaction holds the channel's row.
		deadline := workflow.Now(ctx).Add(r.in.OutageWindow.D())
		r.setStatus(ctx, domain.StatusRemoving, domain.StepAwaitingDatabase(r.in.OutageRetryInterval.D(), deadline))
		r.reply(verified, nil)
		verified = command{} // answered
		d, decided, err = r.tombstoneThroughOutage(ctx, deadline)
	}
	if err != nil {
		r.end(ctx, domain.StatusFailed, domain.StepFailed("Falha ao remover o canal", temporalerr.AsDomain(err).Message), r.actor)
		r.reply(verified, nil)
		return false
	}
	doc, _ := decided.For(d.Outcome(), d.Facts())
	if d.Outcome() == domain.OutcomeUnlinkOwed {
		r.doc, r.meta.owed = doc, d.Owed() // published by the first attempt
		r.reply(verified, nil)
		return true
	}
	r.take(ctx, doc)
	if d.Outcome() == domain.OutcomeAttendanceOpened {
		r.reply(verified, nil)
		return false
	}
	r.done = &verified // nothing is owed: answered with the outcome, once the run is complete
	return true
}

// schedulePurge hands the purge the admin chose to its own workflow, once
// the channel is tombstoned; retried until it lands.
func (r *removal) schedulePurge(ctx workflow.Context) {
	rt := r.doc.Retention
	if rt == nil || rt.Status != domain.RetentionScheduled || rt.PurgeAt == nil {
		return
	}
	p := domain.Purge{ChannelID: r.doc.ChannelID, AccountID: r.doc.AccountID, RemovalID: r.doc.ID, PurgeAfterDays: rt.PurgeAfterDays,
		PurgeAt: *rt.PurgeAt, Status: domain.RetentionScheduled}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions("Agenda a exclusão das mensagens escolhida na remoção")), a.SchedulePurge,
		activities.SchedulePurgeInput{Step: r.step(r.actor), ChannelName: r.channelName(), Purge: p, RetentionDay: r.in.RetentionDay.D()}).Get(ctx, nil)
	if err != nil && !temporal.IsCanceledError(err) { // a failure no retry mends (a bug): said, not hidden
		r.doc.Notes = append(r.doc.Notes, domain.NotePurgeNotScheduled+temporalerr.AsDomain(err).Message)
		r.doc.Retention.Status = domain.RetentionKept
		if !r.doc.Final() { // the row the Meta attempts move on from holds it (a final row never moves)
			r.audit(ctx, domain.ActionPurgeNotScheduled, r.actor, map[string]string{"error": temporalerr.AsDomain(err).Message}, &r.doc)
		}
	}
}

// tombstone tries once, with what it may lead to decided as of now.
func (r *removal) tombstone(ctx workflow.Context) (activities.DeleteResult, domain.Decided, error) {
	decided := r.doc.TombstoneOutcomes(r.releaseNumber, workflow.Now(ctx), r.in.RetentionDay.D())
	var d activities.DeleteResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, deleteOptions()), a.DeleteChannel,
		activities.DeleteInput{Step: r.step(r.actor), ReleaseNumber: r.releaseNumber, Decided: decided}).Get(ctx, &d)
	return d, decided, err
}

// tombstoneThroughOutage retries the tombstone every OutageRetryInterval
// until it succeeds, fails for good, or the deadline passes (then the run
// ends failed, the channel untouched).
func (r *removal) tombstoneThroughOutage(ctx workflow.Context, deadline time.Time) (activities.DeleteResult, domain.Decided, error) {
	for {
		if workflow.Now(ctx).After(deadline) {
			return activities.DeleteResult{}, nil, temporalerr.Encode(domain.Errorf(domain.CodeUnavailable,
				"o banco de dados ficou indisponível além da janela de %s", domain.DurationText(r.in.OutageWindow.D())))
		}
		if err := workflow.NewTimerWithOptions(ctx, r.in.OutageRetryInterval.D(),
			workflow.TimerOptions{Summary: "aguardando o banco de dados"}).Get(ctx, nil); err != nil {
			return activities.DeleteResult{}, nil, err
		}
		if d, decided, err := r.tombstone(ctx); err == nil || !temporalerr.Retryable(err) {
			return d, decided, err
		}
	}
}
