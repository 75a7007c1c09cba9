package workflows

// The purge's inbox: the signals and updates of admins and ops, queued by
// their handlers and acted on by the run.

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// setup registers the query, the signals and the updates; handlers only
// queue inputs, which the run acts on.
func (r *purge) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryPurge, func() (domain.Purge, error) { return r.p, nil }); err != nil {
		return err
	}
	signals := workflow.NewSelector(ctx)
	signals.AddReceive(workflow.GetSignalChannel(ctx, SignalCancelPurge), func(ch workflow.ReceiveChannel, _ bool) {
		var v ActorRequest
		ch.Receive(ctx, &v)
		r.inbox.put(purgeCommand{Kind: purgeCancel, Actor: domain.SignalActor(v.Actor)})
	})
	signals.AddReceive(workflow.GetSignalChannel(ctx, SignalMovePurge), func(ch workflow.ReceiveChannel, _ bool) {
		var v MovePurgeRequest
		ch.Receive(ctx, &v)
		r.inbox.put(purgeCommand{Kind: purgeMove, PurgeAt: v.PurgeAt, Actor: domain.SignalActor(v.Actor)})
	})
	signals.AddReceive(workflow.GetSignalChannel(ctx, SignalHoldChanged), func(ch workflow.ReceiveChannel, _ bool) {
		var v HoldChanged
		ch.Receive(ctx, &v)
		// A signal's payload is a claim (the API's own hold_set record names who set it).
		r.inbox.put(purgeCommand{Kind: purgeHold, Held: v.Held, Reason: v.Reason, Actor: domain.SignalActor(v.Actor)})
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			signals.Select(ctx)
		}
	})
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancelPurge,
		func(ctx workflow.Context, v ActorRequest) (domain.Purge, error) {
			return r.submit(ctx, purgeCommand{Kind: purgeCancel, Actor: v.Actor})
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v ActorRequest) error {
			return encodeRefusal(r.refusal(purgeCancel, time.Time{}, workflow.Now(ctx), true))
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateMovePurge,
		func(ctx workflow.Context, v MovePurgeRequest) (domain.Purge, error) {
			return r.submit(ctx, purgeCommand{Kind: purgeMove, PurgeAt: v.PurgeAt, Actor: v.Actor})
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v MovePurgeRequest) error {
			// Every build refuses a move that would hasten it (a validator's
			// refusal leaves no history): the API does too.
			return encodeRefusal(r.refusal(purgeMove, v.PurgeAt, workflow.Now(ctx), true))
		}})
}

// refusal is why a cancel or a move cannot be done now (nil: it can). Once
// the purge has started it runs to its end; only a hold stops it.
func (r *purge) refusal(kind purgeKind, at, now time.Time, lead bool) *domain.Error {
	if !r.p.Status.Pending() {
		return domain.Errorf(domain.CodeInvalidState, "a exclusão das mensagens já começou ou terminou (%s)", r.p.Status)
	}
	switch {
	case kind != purgeMove:
	case lead && domain.PurgeTooSoon(at, now, r.in.RetentionDay.D()):
		return domain.PurgeTooSoonRefusal(now, r.in.RetentionDay.D())
	case !at.After(now):
		return domain.Errorf(domain.CodeInvalid, "a nova data da exclusão deve estar no futuro")
	}
	return nil
}

// encodeRefusal is a validator's answer: nil, or the refusal for the API.
func encodeRefusal(e *domain.Error) error {
	if e == nil {
		return nil
	}
	return temporalerr.Encode(e)
}

func (r *purge) submit(ctx workflow.Context, cmd purgeCommand) (domain.Purge, error) {
	cmd.ID = workflow.GetCurrentUpdateInfo(ctx).ID
	r.inbox.put(cmd)
	wait, _ := workflow.NewDisconnectedContext(ctx) // the run answers it, cancelled or not (removal's submit)
	if err := workflow.Await(wait, func() bool { _, ok := r.answers[cmd.ID]; return ok }); err != nil {
		return r.p, err
	}
	return r.p, encodeRefusal(r.answers[cmd.ID])
}

func (r *purge) reply(cmd purgeCommand, e *domain.Error) {
	if cmd.ID != "" {
		r.answers[cmd.ID] = e
	}
}

// refuseRemaining answers the updates still queued when the run ends.
func (r *purge) refuseRemaining() {
	for _, cmd := range r.inbox.drain() {
		r.reply(cmd, r.refusal(cmd.Kind, cmd.PurgeAt, time.Time{}, false))
	}
}

// next is the next input, or how the wait ended without one: the deadline
// passed (zero: none), or the run was cancelled.
func (r *purge) next(ctx workflow.Context, deadline time.Time, summary string) (purgeCommand, waitEnd) {
	return r.inbox.next(ctx, deadline, summary)
}

// handle acts on an admin's or ops' input while the purge is pending.
func (r *purge) handle(ctx workflow.Context, cmd purgeCommand) {
	if cmd.Kind == purgeHold {
		r.holdChanged(ctx, cmd)
		return
	}
	r.leadFromHere(ctx)
	if e := r.refusal(cmd.Kind, cmd.PurgeAt, workflow.Now(ctx), r.lead); e != nil {
		r.reply(cmd, e)
		return
	}
	next := r.p
	switch cmd.Kind {
	case purgeCancel:
		next.Status = domain.RetentionCancelled
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeCancelled, map[string]any{"purge_at": r.p.PurgeAt})
	case purgeMove:
		next.PurgeAt = cmd.PurgeAt.UTC()
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeMoved, map[string]any{"from": r.p.PurgeAt, "to": next.PurgeAt})
	}
	r.reply(cmd, nil)
}

// holdChanged follows a legal hold set or lifted on the channel.
func (r *purge) holdChanged(ctx workflow.Context, cmd purgeCommand) {
	next := r.p
	switch {
	case cmd.Held && r.p.Status == domain.RetentionScheduled:
		next.Status = domain.RetentionHeld
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeHeld, map[string]any{"reason": cmd.Reason})
	case !cmd.Held && r.p.Status == domain.RetentionHeld:
		r.leadFromHere(ctx)
		next.Status = domain.RetentionScheduled
		if r.p.StartedAt != nil && !r.lead {
			next.Status = domain.RetentionPurging // before r5: a purge a hold stopped went on where it was
		}
		detail := map[string]any{"purge_at": r.p.PurgeAt}
		if r.lead {
			// Lifted late, or from a purge that had begun: the lead from now,
			// and the admins told again of the new date. A purge that had
			// begun goes on from where it stopped, on that date.
			next.PurgeAt = domain.PurgeAfterHold(r.p.PurgeAt, workflow.Now(ctx), r.in.RetentionDay.D())
			if r.p.StartedAt != nil {
				next.PurgeAt = domain.PurgeAfterHold(workflow.Now(ctx), workflow.Now(ctx), r.in.RetentionDay.D())
			}
			detail["purge_at"], detail["from"] = next.PurgeAt, r.p.PurgeAt
		}
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeResumed, detail)
	}
}
