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
	cancel := func(v ActorRequest) purgeCommand { return purgeCommand{Kind: SignalCancelPurge, Actor: v.Actor} }
	move := func(v MovePurgeRequest) purgeCommand {
		return purgeCommand{Kind: SignalMovePurge, PurgeAt: v.PurgeAt, Actor: v.Actor}
	}
	// A signal's actor is a claim (domain.SignalActor): the API's own records
	// name who asked.
	put := func(cmd purgeCommand) { cmd.Actor = domain.SignalActor(cmd.Actor); r.inbox.put(cmd) }
	signals := workflow.NewSelector(ctx)
	receive(ctx, signals, SignalCancelPurge, func(v ActorRequest) { put(cancel(v)) })
	receive(ctx, signals, SignalMovePurge, func(v MovePurgeRequest) { put(move(v)) })
	receive(ctx, signals, SignalHoldChanged, func(v HoldChanged) {
		put(purgeCommand{Kind: SignalHoldChanged, Held: v.Held, Reason: v.Reason, Actor: v.Actor})
	})
	listen(ctx, signals)
	if err := purgeUpdate(ctx, r, UpdateCancelPurge, cancel); err != nil {
		return err
	}
	return purgeUpdate(ctx, r, UpdateMovePurge, move)
}

// purgeUpdate has update name answer the run's answer to command(v). Its
// validator refuses what the run would (a move that would hasten the purge
// past the lead, in every build), leaving no history; the API does too.
func purgeUpdate[T any](ctx workflow.Context, r *purge, name string, command func(T) purgeCommand) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, v T) (domain.Purge, error) {
			cmd := command(v)
			cmd.ID = workflow.GetCurrentUpdateInfo(ctx).ID
			e, err := r.inbox.submit(ctx, cmd)
			if err == nil {
				err = encodeRefusal(e)
			}
			return r.p, err
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v T) error {
			return encodeRefusal(r.refusal(command(v), workflow.Now(ctx), true))
		}})
}

// refusal is why cmd, a cancel or a move, cannot be done at now (domain.PurgeRefusal).
func (r *purge) refusal(cmd purgeCommand, now time.Time, lead bool) *domain.Error {
	return domain.PurgeRefusal(r.p, cmd.Kind == SignalMovePurge, cmd.PurgeAt, now, r.in.RetentionDay.D(), lead)
}

// encodeRefusal is a validator's or an update's answer: nil, or the refusal.
func encodeRefusal(e *domain.Error) error {
	if e == nil {
		return nil
	}
	return temporalerr.Encode(e)
}

// handle acts on an admin's or ops' input while the purge is pending.
func (r *purge) handle(ctx workflow.Context, cmd purgeCommand) {
	if cmd.Kind == SignalHoldChanged {
		r.holdChanged(ctx, cmd)
		return
	}
	r.leadFromHere(ctx)
	e := r.refusal(cmd, workflow.Now(ctx), r.lead)
	if e == nil {
		r.record(ctx, cmd.Actor, domain.PurgeCommanded(r.p, cmd.Kind == SignalMovePurge, cmd.PurgeAt))
	}
	r.inbox.answer(cmd.ID, e)
}

// holdChanged follows a legal hold set or lifted; a lift takes up the lead first.
func (r *purge) holdChanged(ctx workflow.Context, cmd purgeCommand) {
	if domain.HoldLifted(r.p, cmd.Held) {
		r.leadFromHere(ctx)
	}
	if c := domain.PurgeHoldChanged(r.p, cmd.Held, cmd.Reason, workflow.Now(ctx), r.in.RetentionDay.D(), r.lead); c.Action != "" {
		r.record(ctx, cmd.Actor, c)
	}
}
