package workflows

// PurgeMessagesWorkflow: the durable wait for, and the carrying out of, the
// purge a removal chose (SPEC §8). One run per channel, started by the
// removal once the channel is tombstoned; it waits for the date (telling every
// admin PurgeNoticeDays before), lets admins cancel or move it and a legal
// hold stop it, then deletes the messages in short batches and says so.

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
)

const (
	PurgeWorkflowName = "PurgeMessagesWorkflow"

	// Signals and their updates (the API's synchronous answers).
	SignalCancelPurge = "cancel-purge"
	SignalMovePurge   = "move-purge"
	SignalHoldChanged = "hold-changed"
	UpdateCancelPurge = "cancel-purge-update"
	UpdateMovePurge   = "move-purge-update"
	// QueryPurge returns the purge.
	QueryPurge = "purge"
)

const purgePrefix = "purge-messages:"

// PurgeWorkflowID is the purge workflow of a channel: one per channel.
func PurgeWorkflowID(channelID string) string { return purgePrefix + channelID }

// PurgeOptions registers PurgeMessagesWorkflow, auto-upgrading: a purge waits
// up to 180 days, longer than any build should be kept running, so each new
// build takes its runs over. Its shape is guarded by its histories of every
// open release (TestReplayPurgeHistoriesOfEveryRelease); a change to its
// commands needs a workflow.GetVersion branch.
func PurgeOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: PurgeWorkflowName, VersioningBehavior: workflow.VersioningBehaviorAutoUpgrade}
}

// PurgeInput starts (or continues as new) a channel's purge.
type PurgeInput struct {
	Purge        domain.Purge `json:"purge"`
	RemovalRunID string       `json:"removal_run_id"`
	ChannelName  string       `json:"channel_name"`
	RetentionDay Duration     `json:"retention_day"`
	// NoticedFor is the date whose notice went out; Seq counts the records
	// written (both carried over a continue-as-new).
	NoticedFor time.Time `json:"noticed_for,omitempty"`
	Seq        int       `json:"seq,omitempty"`
	// OpsToldFor is the date on which the purge found an admin untold, and
	// ops were told (since r5, purge_lead.go).
	OpsToldFor time.Time `json:"ops_told_for,omitempty"`
}

// MovePurgeRequest moves a pending purge to another date.
type MovePurgeRequest struct {
	PurgeAt time.Time    `json:"purge_at"`
	Actor   domain.Actor `json:"actor"`
}

// HoldChanged tells the purge that a legal hold was set or lifted (the API
// wrote it on the channel first; each batch reads it there too).
type HoldChanged struct {
	Held   bool         `json:"held"`
	Reason string       `json:"reason,omitempty"`
	Actor  domain.Actor `json:"actor"`
}

type purgeKind string

const (
	purgeCancel purgeKind = "cancel"
	purgeMove   purgeKind = "move"
	purgeHold   purgeKind = "hold"
)

// purgeCommand is an input the run has yet to act on; ID is an update's.
type purgeCommand struct {
	Kind    purgeKind
	ID      string
	Actor   domain.Actor
	PurgeAt time.Time
	Held    bool
	Reason  string
}

// purge is the workflow's state.
type purge struct {
	in      PurgeInput
	p       domain.Purge
	inbox   inbox[purgeCommand]
	answers map[string]*domain.Error
	// v is the run's shape: purgeV1 re-reads a hold while held, starts its
	// notices as notice workflows, and keeps PurgeStatus and PurgeAt
	// current; DefaultVersion is the shape of the runs started before it.
	v workflow.Version
	// lead: the purge keeps the admins' notice lead (r5, purge_lead.go),
	// from the first task a build with it ran (leadFromHere).
	lead bool
}

// purgeV1 names the first change to the purge's commands: it auto-upgrades,
// so runs begun on an earlier build keep their shape (GetVersion) until they
// continue as new.
const purgeV1ChangeID = "r4-hold-reread-notices-search-attributes"

// PurgeMessagesWorkflow runs a channel's purge to its end: purged or cancelled.
func PurgeMessagesWorkflow(ctx workflow.Context, in PurgeInput) (domain.Purge, error) {
	if in.RetentionDay <= 0 {
		in.RetentionDay = Duration(domain.RetentionDay)
	}
	r := &purge{in: in, p: in.Purge, answers: map[string]*domain.Error{}, inbox: inbox[purgeCommand]{stopped: func() bool { return ctx.Err() != nil }}}
	if err := r.setup(ctx); err != nil {
		return r.p, err
	}
	r.v = workflow.GetVersion(ctx, purgeV1ChangeID, workflow.DefaultVersion, 1)
	r.show(ctx)
	for r.p.Status != domain.RetentionPurged && r.p.Status != domain.RetentionCancelled {
		r.leadFromHere(ctx)
		if ctx.Err() != nil { // cancelled from Temporal: every wait and activity would return at once
			r.stoppedByTemporal(ctx)
			break
		}
		switch r.p.Status {
		case domain.RetentionScheduled:
			if r.awaitDate(ctx) {
				return r.p, workflow.NewContinueAsNewError(ctx, PurgeWorkflowName, r.carried())
			}
		case domain.RetentionHeld:
			if r.awaitHold(ctx) {
				return r.p, workflow.NewContinueAsNewError(ctx, PurgeWorkflowName, r.carried())
			}
		case domain.RetentionPurging:
			if r.purgeBatches(ctx) && ctx.Err() == nil { // a cancelled run ends here, never continues as new
				return r.p, workflow.NewContinueAsNewError(ctx, PurgeWorkflowName, r.carried())
			}
		default:
			return r.p, temporal.NewNonRetryableApplicationError("unknown purge status "+string(r.p.Status), "invalid_state", nil)
		}
	}
	r.refuseRemaining()
	after, _ := workflow.NewDisconnectedContext(ctx)
	if err := workflow.Await(after, func() bool { return workflow.AllHandlersFinished(after) }); err != nil {
		return r.p, err
	}
	if ctx.Err() != nil {
		return r.p, ctx.Err() // the run closes as Canceled, its record written
	}
	return r.p, nil
}

// stoppedByTemporal records a purge cancelled by ops from Temporal (record
// writes on a disconnected context, so it lands): a pending purge is
// cancelled; one that had begun stops where it is, and its record says how
// far it went.
func (r *purge) stoppedByTemporal(ctx workflow.Context) {
	next := r.p
	next.Status = domain.RetentionCancelled
	r.record(ctx, next, domain.ActorOpsTemporal, domain.ActionPurgeCancelled, map[string]any{"purge_at": r.p.PurgeAt,
		"from": string(r.p.Status), "purged_messages": r.p.PurgedMessages})
}
