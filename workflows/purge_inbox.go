package workflows

// The purge's inputs: admins' and ops' signals and updates, queued by their
// handlers and acted on by the run.

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

func (r *purge) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryPurge, func() (domain.Purge, error) { return r.p, nil }); err != nil {
		return err
	}
	// A signal's payload is a claim (domain.SignalActor): the API's own
	// records name who asked.
	signals := workflow.NewSelector(ctx)
	receive(ctx, signals, SignalCancelPurge, func(v ActorRequest) {
		r.inbox.put(purgeCommand{Kind: purgeCancel, Actor: domain.SignalActor(v.Actor)})
	})
	receive(ctx, signals, SignalMovePurge, func(v MovePurgeRequest) {
		r.inbox.put(purgeCommand{Kind: purgeMove, PurgeAt: v.PurgeAt, Actor: domain.SignalActor(v.Actor)})
	})
	receive(ctx, signals, SignalHoldChanged, func(v HoldChanged) {
		r.inbox.put(purgeCommand{Kind: purgeHold, Held: v.Held, Reason: v.Reason, Actor: domain.SignalActor(v.Actor)})
	})
	listen(ctx, signals)
	// Every build refuses a move that would hasten the purge (a validator's
	// refusal leaves no history); the API does too.
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
			return encodeRefusal(r.refusal(purgeMove, v.PurgeAt, workflow.Now(ctx), true))
		}})
}

// refusal is why a cancel or a move cannot be done now (domain.PurgeRefusal).
func (r *purge) refusal(kind purgeKind, at, now time.Time, lead bool) *domain.Error {
	return domain.PurgeRefusal(r.p, kind == purgeMove, at, now, r.in.RetentionDay.D(), lead)
}

// encodeRefusal is a validator's or an update's answer: nil, or the refusal.
func encodeRefusal(e *domain.Error) error {
	if e == nil {
		return nil
	}
	return temporalerr.Encode(e)
}

func (r *purge) submit(ctx workflow.Context, cmd purgeCommand) (domain.Purge, error) {
	cmd.ID = workflow.GetCurrentUpdateInfo(ctx).ID
	e, err := r.inbox.submit(ctx, cmd)
	if err != nil {
		return r.p, err
	}
	return r.p, encodeRefusal(e)
}

// handle acts on an admin's or ops' input while the purge is pending.
func (r *purge) handle(ctx workflow.Context, cmd purgeCommand) {
	if cmd.Kind == purgeHold {
		r.holdChanged(ctx, cmd)
		return
	}
	r.leadFromHere(ctx)
	if e := r.refusal(cmd.Kind, cmd.PurgeAt, workflow.Now(ctx), r.lead); e != nil {
		r.inbox.answer(cmd.ID, e)
		return
	}
	next := r.p
	if cmd.Kind == purgeCancel {
		next.Status = domain.RetentionCancelled
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeCancelled, map[string]any{"purge_at": r.p.PurgeAt})
	} else {
		next.PurgeAt = cmd.PurgeAt.UTC()
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeMoved, map[string]any{"from": r.p.PurgeAt, "to": next.PurgeAt})
	}
	r.inbox.answer(cmd.ID, nil)
}

// holdChanged follows a legal hold set or lifted (domain.PurgeHoldChanged);
// a lift takes up the lead first.
func (r *purge) holdChanged(ctx workflow.Context, cmd purgeCommand) {
	if domain.HoldLifted(r.p, cmd.Held) {
		r.leadFromHere(ctx)
	}
	if next, action, detail, ok := domain.PurgeHoldChanged(r.p, cmd.Held, cmd.Reason, workflow.Now(ctx), r.in.RetentionDay.D(), r.lead); ok {
		r.record(ctx, next, cmd.Actor, action, detail)
	}
}
