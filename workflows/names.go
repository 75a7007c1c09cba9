// Package workflows holds RemoveChannelWorkflow and every name the worker, the
// API and ops share with it: task queue, ids, signals, updates, query, search
// attributes, input and document types. Nothing else spells these strings.
package workflows

import (
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

const (
	TaskQueue    = "channel-removal"
	WorkflowName = "RemoveChannelWorkflow"
	// MetaAccessLostWorkflowName carries out a webhook delivery (SPEC §7).
	MetaAccessLostWorkflowName = "MetaAccessLostWorkflow"

	// Signals: every step can be driven by these alone (Temporal Web, temporal CLI).
	SignalAcknowledge = "acknowledge"
	SignalVerifyCode  = "verify-code"
	SignalResendCode  = "resend-code"
	SignalCancel      = "cancel"
	SignalRetryUnlink = "retry-unlink"

	// QueryStatus returns the removal document.
	QueryStatus = "status"

	// Updates give the API synchronous answers; each mirrors a signal.
	UpdateAcknowledge = "acknowledge-update"
	UpdateVerifyCode  = "verify-code-update"
	UpdateResendCode  = "resend-code-update"
	UpdateCancel      = "cancel-update"
)

// ActionOfUpdate names the signal each update mirrors.
var ActionOfUpdate = map[string]string{
	UpdateAcknowledge: SignalAcknowledge,
	UpdateVerifyCode:  SignalVerifyCode,
	UpdateResendCode:  SignalResendCode,
	UpdateCancel:      SignalCancel,
}

// Search attributes (Keyword), kept current for filtering in Temporal Web.
var (
	SAChannelID     = temporal.NewSearchAttributeKeyKeyword("ChannelId")
	SAAccountID     = temporal.NewSearchAttributeKeyKeyword("AccountId")
	SARemovalStatus = temporal.NewSearchAttributeKeyKeyword("RemovalStatus")
	// The purge's state and date (SPEC §4).
	SAPurgeStatus = temporal.NewSearchAttributeKeyKeyword("PurgeStatus")
	SAPurgeAt     = temporal.NewSearchAttributeKeyTime("PurgeAt")
)

// SearchAttributeNames lists them for registration on a server: a name is a
// Keyword, name=Type another type.
var SearchAttributeNames = []string{SAChannelID.GetName(), SAAccountID.GetName(), SARemovalStatus.GetName(),
	SAPurgeStatus.GetName(), SAPurgeAt.GetName() + "=Datetime"}

const idPrefix = "remove-channel:"

// WorkflowID is the removal id of a channel: at most one running removal per channel.
func WorkflowID(channelID string) string { return idPrefix + channelID }

// ChannelIDOf returns the channel id inside a removal id, ok false if it is not one.
func ChannelIDOf(removalID string) (string, bool) {
	if !strings.HasPrefix(removalID, idPrefix) || len(removalID) == len(idPrefix) {
		return "", false
	}
	return strings.TrimPrefix(removalID, idPrefix), true
}

const deliveryPrefix = "meta-webhook:"

// MetaDeliveryID is the workflow id of a webhook delivery's run.
func MetaDeliveryID(deliveryID string) string { return deliveryPrefix + deliveryID }

// QueueOr is q, or the contract's task queue when q is empty
// (TEMPORAL_TASK_QUEUE unset).
func QueueOr(q string) string {
	if q == "" {
		return TaskQueue
	}
	return q
}

// RegisterOptions registers RemoveChannelWorkflow under its contract name,
// whatever the Go function is called, pinned: a removal lives for days, and
// each run stays on the build that started it, so a build that changes the
// workflow's commands never replays another build's history
// (docs/versioning.md).
func RegisterOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: WorkflowName, VersioningBehavior: workflow.VersioningBehaviorPinned}
}

// MetaAccessLostOptions registers MetaAccessLostWorkflow under its name,
// pinned too: its runs last minutes, so keeping the old build for them
// costs nothing, and no change to it ever needs a GetVersion branch.
func MetaAccessLostOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: MetaAccessLostWorkflowName, VersioningBehavior: workflow.VersioningBehaviorPinned}
}
