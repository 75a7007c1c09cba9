package workflows

// SecurityNoticeWorkflow: one notice a run owes (the admins', the guess
// limit's, the ops alert, a purge's, Meta's cut-offs), with its own retries,
// a week if SendGrid is down. The run starts it as an abandoned child and
// waits only for its start, so no notice holds a run or its pinned build. It
// auto-upgrades: every release's notice histories replay against this code,
// and a change to its commands needs a GetVersion branch.

import (
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

const NoticeWorkflowName = "SecurityNoticeWorkflow"

// NoticeOptions registers SecurityNoticeWorkflow, auto-upgrading.
func NoticeOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: NoticeWorkflowName, VersioningBehavior: workflow.VersioningBehaviorAutoUpgrade}
}

// Notice is one notice owed: its kind and the activity input of that kind
// (ids and the few facts the e-mail states, no document).
type Notice struct {
	Kind       domain.NoticeKind            `json:"kind"`
	Admins     *activities.NoticeInput      `json:"admins,omitempty"`
	GuessLimit *activities.GuessLimitInput  `json:"guess_limit,omitempty"`
	Ops        *activities.OpsAlertInput    `json:"ops,omitempty"`
	Purge      *activities.PurgeNoticeInput `json:"purge,omitempty"`
	PurgeWait  *activities.PurgeWaitInput   `json:"purge_wait,omitempty"`
	// Disconnected: Meta cut an account's channels off (MetaAccessLostWorkflow).
	Disconnected *activities.DisconnectionNoticeInput `json:"disconnected,omitempty"`
	// Offboarded: a coexistence number left the Cloud API (MetaAccessLostWorkflow, since r5).
	Offboarded *activities.OffboardedNoticeInput `json:"offboarded,omitempty"`
}

// send is the notice's activity, its input and options; step, for the
// notices whose failure is audited and told to ops, names the run it is
// recorded on (the others' failure is their run's, shown in Temporal Web; a
// purge's is logged, its record saying which admins were told).
func (n Notice) send() (activity, input any, o workflow.ActivityOptions, step *activities.Step, channel string) {
	switch {
	case n.Admins != nil:
		return a.NotifyAdmins, *n.Admins, noticeOptions("Avisa os administradores da conta da remoção"), &n.Admins.Step, n.Admins.ChannelName
	case n.GuessLimit != nil:
		return a.NotifyGuessLimit, *n.GuessLimit, noticeOptions("Avisa os administradores das tentativas de código"), &n.GuessLimit.Step, n.GuessLimit.ChannelName
	case n.Ops != nil:
		return a.AlertOps, *n.Ops, opsAlertOptions(), &n.Ops.Step, ""
	case n.Purge != nil:
		return a.NotifyPurge, *n.Purge, purgeNoticeOptions(), nil, ""
	case n.Disconnected != nil:
		return a.NotifyDisconnected, *n.Disconnected, noticeOptions("Avisa os administradores da conta da desconexão"), nil, ""
	case n.PurgeWait != nil: // an ops alert of its own: nothing to tell ops if it fails
		return a.AlertPurgeWaits, *n.PurgeWait, opsAlertOptions(), nil, ""
	case n.Offboarded != nil: // since r5
		return a.NotifyOffboarded, *n.Offboarded, noticeOptions("Avisa os administradores do número fora da API do WhatsApp"), nil, ""
	}
	return nil, nil, workflow.ActivityOptions{}, nil, ""
}

// SecurityNoticeWorkflow delivers the notice. A refusal no retry changes (an
// address SendGrid rejects), or a week of failures, is audited notice_failed
// and, for the admins' notices, ops are told to tell the admins another way.
func SecurityNoticeWorkflow(ctx workflow.Context, n Notice) error {
	activity, input, o, step, channel := n.send()
	if activity == nil {
		return temporal.NewNonRetryableApplicationError("a notice without its input", string(domain.CodeInvalid), nil)
	}
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), activity, input).Get(ctx, nil)
	if err == nil || step == nil {
		return err
	}
	why := temporalerr.Message(err)
	workflow.GetLogger(ctx).Error("notice not sent", "notice", n.Kind, "error", err)
	cancelled := ctx.Err() != nil && workflow.GetVersion(ctx, noticeCancelChangeID, workflow.DefaultVersion, 1) == 1
	if cancelled { // by ops from Temporal: recorded and told like any notice not sent
		ctx, _ = workflow.NewDisconnectedContext(ctx)
		why = domain.ReasonNoticeCancelledByOps
	}
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.RecordAudit, activities.AuditInput{
		Step: *step, Action: domain.ActionNoticeFailed, Detail: map[string]string{"notice": string(n.Kind), "error": why},
		Seq: noticeAuditSeq(n.Kind)}).Get(ctx, nil)
	if n.Kind != domain.NoticeOps {
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opsAlertOptions()), a.AlertNoticeFailed, activities.NoticeFailedInput{
			Step: *step, ChannelName: channel, Notice: n.Kind, Error: why}).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("ops not told of a notice not sent", "notice", n.Kind, "error", err)
		}
	}
	if cancelled {
		return temporal.NewCanceledError() // its record written
	}
	return nil
}

// noticeCancelChangeID: since r5 a notice cancelled from Temporal is
// recorded and told; runs cancelled on an earlier build replay as they ran.
const noticeCancelChangeID = "r5-notice-cancelled-recorded"

// noticeAuditSeq keys a notice's notice_failed record apart from the run's
// own records (whose Seq counts from 1) and from the other notices'.
func noticeAuditSeq(k domain.NoticeKind) int {
	switch k {
	case domain.NoticeAdmins:
		return 1_000_001
	case domain.NoticeGuessLimit:
		return 1_000_002
	}
	return 1_000_003
}

// startNotice starts the notice as an abandoned child and waits only for its
// start, so no run closes with a notice owed and not begun. id is the same
// for a notice started twice (a replay, a reset): the duplicate is refused
// and the notice goes out once.
func startNotice(ctx workflow.Context, id, summary string, n Notice) {
	ctx = workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            id,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		StaticSummary:         summary,
	})
	err := workflow.ExecuteChildWorkflow(ctx, NoticeWorkflowName, n).GetChildWorkflowExecution().Get(ctx, nil)
	if err != nil && !temporal.IsWorkflowExecutionAlreadyStartedError(err) {
		workflow.GetLogger(ctx).Error("notice not started", "notice", n.Kind, "error", err)
	}
}

// NoticeID is the workflow id of a notice of kind, for key (a removal's first
// run id, a purge's channel and date): one notice per key and kind.
func NoticeID(kind domain.NoticeKind, key string) string {
	return fmt.Sprintf("notice:%s:%s", kind, key)
}
