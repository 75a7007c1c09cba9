package workflows

// PurgeMessagesWorkflow: the purge a removal chose (SPEC §8), one run per
// channel. It waits for its date (every admin told PurgeNoticeDays before),
// lets admins cancel or move it and a legal hold stop it, then deletes the
// messages in short batches and says so.

import (
	"fmt"
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
	QueryPurge        = "purge" // returns the purge
)

// PurgeWorkflowID is the purge workflow of a channel: one per channel.
func PurgeWorkflowID(channelID string) string { return "purge-messages:" + channelID }

// PurgeOptions registers PurgeMessagesWorkflow, auto-upgrading: a purge waits
// up to 180 days, longer than a build lives, so a change to its commands
// needs a workflow.GetVersion branch.
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
		if ctx.Err() != nil { // cancelled from Temporal: every wait would return at once
			r.record(ctx, domain.ActorOpsTemporal, domain.PurgeStoppedByOps(r.p))
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
	r.inbox.refuseRemaining(func(cmd purgeCommand) (string, *domain.Error) { return cmd.ID, r.refusal(cmd, time.Time{}, false) })
	return r.p, closeRun(ctx)
}

// leadFromHere turns the lead (SPEC §9: a stolen admin session cannot have
// messages purged before the other admins could read a notice and stop it)
// on from the first workflow task a build with it decides. Its change id is
// keyed by that task's history length: a replayed earlier build's task finds
// no marker (DefaultVersion), so a purge pending when r5 was deployed keeps
// the lead from its next task on, where one id read once would answer
// DefaultVersion for good.
func (r *purge) leadFromHere(ctx workflow.Context) {
	if !r.lead {
		id := fmt.Sprintf("r5-purge-lead@%d", workflow.GetInfo(ctx).GetCurrentHistoryLength())
		r.lead = workflow.GetVersion(ctx, id, workflow.DefaultVersion, 1) == 1
	}
}

// PurgeSummary is the purge run's one-line summary in Temporal Web.
func PurgeSummary(channelName, channelID string) string {
	return fmt.Sprintf("Exclusão das mensagens do canal %q (%s)", channelName, channelID)
}
