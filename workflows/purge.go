package workflows

// PurgeMessagesWorkflow: the purge a removal chose (SPEC §8), one run per
// channel. It waits for the date (every admin told PurgeNoticeDays before),
// lets admins cancel or move it and a legal hold stop it, then deletes the
// messages in short batches and says so.

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
// up to 180 days, longer than a build lives. Every open release's purge
// histories replay against this code; a change to its commands needs a
// workflow.GetVersion branch.
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
	in    PurgeInput
	p     domain.Purge
	inbox inbox[purgeCommand, *domain.Error]
	// v is the run's shape: since purgeV1 (r4) it re-reads a hold while
	// held, starts its notices as notice workflows and keeps PurgeStatus and
	// PurgeAt current. lead: it keeps the admins' notice lead (r5), from the
	// first task a build with it ran (leadFromHere).
	v    workflow.Version
	lead bool
}

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
		if ctx.Err() != nil { // cancelled from Temporal: every wait would return at once
			r.stoppedByTemporal(ctx)
			break
		}
		var continueAsNew bool
		switch r.p.Status {
		case domain.RetentionScheduled:
			continueAsNew = r.awaitDate(ctx)
		case domain.RetentionHeld:
			continueAsNew = r.awaitHold(ctx)
		case domain.RetentionPurging:
			continueAsNew = r.purgeBatches(ctx) && ctx.Err() == nil // a cancelled run ends here
		default:
			return r.p, temporal.NewNonRetryableApplicationError("unknown purge status "+string(r.p.Status), "invalid_state", nil)
		}
		if continueAsNew {
			in := r.in
			in.Purge = r.p
			return r.p, workflow.NewContinueAsNewError(ctx, PurgeWorkflowName, in)
		}
	}
	r.inbox.refuseRemaining(func(cmd purgeCommand) (string, *domain.Error) {
		return cmd.ID, r.refusal(cmd.Kind, cmd.PurgeAt, time.Time{}, false)
	})
	return r.p, closeRun(ctx)
}

// stoppedByTemporal records a purge cancelled by ops from Temporal: a pending
// purge is cancelled; one that had begun stops where it is, its record saying
// how far it went.
func (r *purge) stoppedByTemporal(ctx workflow.Context) {
	next := r.p
	next.Status = domain.RetentionCancelled
	r.record(ctx, next, domain.ActorOpsTemporal, domain.ActionPurgeCancelled, map[string]any{"purge_at": r.p.PurgeAt,
		"from": string(r.p.Status), "purged_messages": r.p.PurgedMessages})
}
