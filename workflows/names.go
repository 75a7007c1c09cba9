// Package workflows holds the workflows and every name the worker, the API
// and ops share with them: task queue, ids, signals, updates, query, search
// attributes, input and document types. Nothing else spells these strings.
package workflows

import (
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
)

// Release names the shape of the workflows' commands: a change to what a run
// in flight replays is a new release, with its captured histories sealed in
// workflows/testdata (docs/versioning.md).
const Release = "r7"

const (
	TaskQueue                  = "channel-removal"
	WorkflowName               = "RemoveChannelWorkflow"
	MetaAccessLostWorkflowName = "MetaAccessLostWorkflow" // a Meta webhook delivery (SPEC §7)

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

// Refusal answers an action (named by its signal) that the removal's status
// does not allow, the same on every path (domain.Refusal).
func Refusal(action string, s domain.Status) *domain.Error {
	return domain.Refusal(action == SignalVerifyCode, s)
}

// Search attributes, kept current for filtering in Temporal Web; the purge's
// state and date are SPEC §4's.
var (
	SAChannelID     = temporal.NewSearchAttributeKeyKeyword("ChannelId")
	SAAccountID     = temporal.NewSearchAttributeKeyKeyword("AccountId")
	SARemovalStatus = temporal.NewSearchAttributeKeyKeyword("RemovalStatus")
	SAPurgeStatus   = temporal.NewSearchAttributeKeyKeyword("PurgeStatus")
	SAPurgeAt       = temporal.NewSearchAttributeKeyTime("PurgeAt")
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
	if id, ok := strings.CutPrefix(removalID, idPrefix); ok && id != "" {
		return id, true
	}
	return "", false
}

// MetaDeliveryID is the workflow id of a webhook delivery's run.
func MetaDeliveryID(deliveryID string) string { return "meta-webhook:" + deliveryID }

// QueueOr is q, or the contract's task queue when q is empty (TEMPORAL_TASK_QUEUE unset).
func QueueOr(q string) string {
	if q == "" {
		return TaskQueue
	}
	return q
}

// Registration is a workflow function and the options it is registered with.
type Registration struct {
	Workflow any
	Options  workflow.RegisterOptions
}

// Registrations lists every workflow a worker runs, for the worker and the
// replay tests alike.
func Registrations() []Registration {
	return []Registration{
		{RemoveChannelWorkflow, RegisterOptions()},
		{MetaAccessLostWorkflow, MetaAccessLostOptions()},
		{PurgeMessagesWorkflow, PurgeOptions()},
		{SecurityNoticeWorkflow, NoticeOptions()},
		{WebhookDeliveryWorkflow, WebhookDeliveryOptions()},
	}
}

// RegisterOptions pins RemoveChannelWorkflow under its contract name: a
// removal lives for days and stays on the build that started it, so no
// build replays another's history (docs/versioning.md).
func RegisterOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: WorkflowName, VersioningBehavior: workflow.VersioningBehaviorPinned}
}

// MetaAccessLostOptions pins MetaAccessLostWorkflow too: its runs last
// minutes, so a change to it never needs a GetVersion branch.
func MetaAccessLostOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: MetaAccessLostWorkflowName, VersioningBehavior: workflow.VersioningBehaviorPinned}
}
