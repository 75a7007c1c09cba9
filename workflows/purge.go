package workflows

// PurgeMessagesWorkflow: the purge a removal chose (SPEC §8), one run per
// channel: admins told PurgeNoticeDays before, it may be cancelled, moved or
// held until its date, then deletes the messages in short batches.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

const (
	PurgeWorkflowName = "PurgeMessagesWorkflow"
	// Signals and their updates (the API's synchronous answers).
	SignalCancelPurge = "cancel-purge"
	SignalMovePurge   = "move-purge"
	SignalHoldChanged = "hold-changed"
	UpdateCancelPurge = "cancel-purge-update"
	UpdateMovePurge   = "move-purge-update"
	QueryPurge        = "purge" // returns the purge
)

// PurgeWorkflowID is the purge workflow of a channel: one per channel.
func PurgeWorkflowID(channelID string) string { return "purge-messages:" + channelID }

// PurgeOptions registers PurgeMessagesWorkflow, auto-upgrading: a purge waits
// longer than a build lives, so a change to its commands needs a GetVersion.
func PurgeOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: PurgeWorkflowName, VersioningBehavior: workflow.VersioningBehaviorAutoUpgrade}
}

// PurgeInput starts (or continues as new) a channel's purge.
type PurgeInput struct {
	Purge        domain.Purge `json:"purge"`
	RemovalRunID string       `json:"removal_run_id"`
	ChannelName  string       `json:"channel_name"`
	RetentionDay Duration     `json:"retention_day"`
	// Carried over a continue-as-new: the date whose notice went out, the
	// records written, and the date ops were told an admin was untold (r5).
	NoticedFor time.Time `json:"noticed_for,omitempty"`
	Seq        int       `json:"seq,omitempty"`
	OpsToldFor time.Time `json:"ops_told_for,omitempty"`
}

// MovePurgeRequest moves a pending purge to another date.
type MovePurgeRequest struct {
	PurgeAt time.Time    `json:"purge_at"`
	Actor   domain.Actor `json:"actor"`
}

// HoldChanged: a legal hold was set or lifted (the API wrote it first).
type HoldChanged struct {
	Held   bool         `json:"held"`
	Reason string       `json:"reason,omitempty"`
	Actor  domain.Actor `json:"actor"`
}

// PurgeSummary is the purge run's one-line summary in Temporal Web.
func PurgeSummary(channelName, channelID string) string {
	return fmt.Sprintf("Exclusão das mensagens do canal %q (%s)", channelName, channelID)
}

// purgeCommand is an input the run has yet to act on: Kind is its signal's
// name, ID an update's.
type purgeCommand struct {
	Kind, ID string
	Actor    domain.Actor
	PurgeAt  time.Time
	Held     bool
	Reason   string
}

type purge struct {
	in    PurgeInput
	p     domain.Purge
	inbox inbox[purgeCommand, *domain.Error]
	v     workflow.Version // purgeV1ChangeID's
	lead  bool             // the admins' notice lead (r5), from leadFromHere on
}

// purgeV1ChangeID (r4): a held purge re-reads its hold, notices are notice
// workflows, and the PurgeStatus and PurgeAt search attributes are kept.
const purgeV1ChangeID = "r4-hold-reread-notices-search-attributes"

// PurgeMessagesWorkflow runs a channel's purge to its end: purged or cancelled.
func PurgeMessagesWorkflow(ctx workflow.Context, in PurgeInput) (domain.Purge, error) {
	if in.RetentionDay <= 0 {
		in.RetentionDay = Duration(domain.RetentionDay)
	}
	r := &purge{in: in, p: in.Purge, inbox: newInbox[purgeCommand, *domain.Error](ctx)}
	if err := r.setup(ctx); err != nil {
		return r.p, err
	}
	r.v = workflow.GetVersion(ctx, purgeV1ChangeID, workflow.DefaultVersion, 1)
	r.show(ctx)
	for r.p.Status != domain.RetentionPurged && r.p.Status != domain.RetentionCancelled {
		r.leadFromHere(ctx)
		var continueAsNew bool
		switch {
		case ctx.Err() != nil: // cancelled from Temporal: every wait would return at once
			r.record(ctx, domain.ActorOpsTemporal, domain.PurgeStoppedByOps(r.p))
		case r.p.Status == domain.RetentionScheduled:
			continueAsNew = r.awaitDate(ctx)
		case r.p.Status == domain.RetentionHeld:
			continueAsNew = r.awaitHold(ctx)
		case r.p.Status == domain.RetentionPurging:
			continueAsNew = r.purgeBatches(ctx) && ctx.Err() == nil // a cancelled run ends here
		default:
			return r.p, temporal.NewNonRetryableApplicationError("unknown purge status "+string(r.p.Status), "invalid_state", nil)
		}
		if continueAsNew {
			r.in.Purge = r.p
			return r.p, workflow.NewContinueAsNewError(ctx, PurgeWorkflowName, r.in)
		}
	}
	r.refuseQueued(time.Time{}, false)
	return r.p, closeRun(ctx)
}

// leadFromHere turns the lead on (SPEC §9: no purge before the other admins
// could read its notice) from the first task a build with it decides. Its
// change id is keyed by that task's history length: one id read once would
// answer DefaultVersion for good to a purge pending at the deploy (its
// earlier tasks, replayed, find no marker).
func (r *purge) leadFromHere(ctx workflow.Context) {
	if !r.lead {
		id := fmt.Sprintf("r5-purge-lead@%d", workflow.GetInfo(ctx).GetCurrentHistoryLength())
		r.lead = workflow.GetVersion(ctx, id, workflow.DefaultVersion, 1) == 1
	}
}

// setup answers the query and queues the signals and updates for the run.
func (r *purge) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryPurge, func() (domain.Purge, error) { return r.p, nil }); err != nil {
		return err
	}
	cancel := func(v ActorRequest) purgeCommand { return purgeCommand{Kind: SignalCancelPurge, Actor: v.Actor} }
	move := func(v MovePurgeRequest) purgeCommand {
		return purgeCommand{Kind: SignalMovePurge, PurgeAt: v.PurgeAt, Actor: v.Actor}
	}
	// A signal's actor is a claim (domain.SignalActor): the API's own records name who asked.
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

// purgeUpdate answers update name with the run's answer to command(v); its
// validator refuses with no history what the run would (the lead included).
func purgeUpdate[T any](ctx workflow.Context, r *purge, name string, command func(T) purgeCommand) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name, func(ctx workflow.Context, v T) (domain.Purge, error) {
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

// refuseQueued answers every update queued: the purge has begun or ended.
func (r *purge) refuseQueued(now time.Time, lead bool) {
	r.inbox.refuseRemaining(func(cmd purgeCommand) (string, *domain.Error) { return cmd.ID, r.refusal(cmd, now, lead) })
}

// handle acts on an input while the purge is pending (a lift takes up the lead first).
func (r *purge) handle(ctx workflow.Context, cmd purgeCommand) {
	if cmd.Kind == SignalHoldChanged {
		if domain.HoldLifted(r.p, cmd.Held) {
			r.leadFromHere(ctx)
		}
		if c := domain.PurgeHoldChanged(r.p, cmd.Held, cmd.Reason, workflow.Now(ctx), r.in.RetentionDay.D(), r.lead); c.Action != "" {
			r.record(ctx, cmd.Actor, c)
		}
		return
	}
	r.leadFromHere(ctx)
	e := r.refusal(cmd, workflow.Now(ctx), r.lead)
	if e == nil {
		r.record(ctx, cmd.Actor, domain.PurgeCommanded(r.p, cmd.Kind == SignalMovePurge, cmd.PurgeAt))
	}
	r.inbox.answer(cmd.ID, e)
}
