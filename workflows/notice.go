package workflows

// SecurityNoticeWorkflow: one security notice a run owes (the admins' notice
// of a removed channel, the guess-limit notice, the ops alert, a purge's
// notices), delivered with the notice's own retries, for a week if SendGrid
// is down. The run that owes it starts it as a child and waits only for its
// start (ParentClosePolicy ABANDON): the run reaches locked, completed or its
// wait for ops at once, and a week of SendGrid outage never keeps the run,
// or its pinned build, alive. The notice auto-upgrades, so it pins no build
// either; its shape is guarded like the purge's (every release's notice
// histories replay; a change to its commands needs a GetVersion branch).

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

// SecurityNoticeWorkflow delivers the notice. A refusal no retry changes (an
// address SendGrid rejects), or a week of failures, is audited notice_failed
// and, for the admins' notices, ops are told to tell the admins another way.
func SecurityNoticeWorkflow(ctx workflow.Context, n Notice) error {
	var step activities.Step
	var err error
	switch {
	case n.Admins != nil:
		step = n.Admins.Step
		err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, noticeOptions()), a.NotifyAdmins, *n.Admins).Get(ctx, nil)
	case n.GuessLimit != nil:
		o := noticeOptions()
		o.Summary = "Avisa os administradores das tentativas de código"
		step = n.GuessLimit.Step
		err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), a.NotifyGuessLimit, *n.GuessLimit).Get(ctx, nil)
	case n.Ops != nil:
		step = n.Ops.Step
		err = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opsAlertOptions()), a.AlertOps, *n.Ops).Get(ctx, nil)
	case n.Purge != nil:
		// A purge's notice is logged by its activity when it cannot go out;
		// the purge's own record says which admins were told.
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeNoticeOptions()), a.NotifyPurge, *n.Purge).Get(ctx, nil)
	case n.Disconnected != nil:
		// Failed after a week of tries, the run's failure is what Temporal
		// Web shows; the disconnection itself is recorded per channel.
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, disconnectionNoticeOptions()), a.NotifyDisconnected, *n.Disconnected).Get(ctx, nil)
	case n.PurgeWait != nil: // an ops alert of its own: nothing to tell ops if it fails
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opsAlertOptions()), a.AlertPurgeWaits, *n.PurgeWait).Get(ctx, nil)
	case n.Offboarded != nil:
		// A branch only inputs since r5 reach; as for a disconnection, the
		// run's failure after a week is what Temporal Web shows.
		o := noticeOptions()
		o.Summary = "Avisa os administradores do número fora da API do WhatsApp"
		return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, o), a.NotifyOffboarded, *n.Offboarded).Get(ctx, nil)
	default:
		return temporal.NewNonRetryableApplicationError("a notice without its input", string(domain.CodeInvalid), nil)
	}
	if err == nil {
		return nil
	}
	why := temporalerr.Message(err)
	workflow.GetLogger(ctx).Error("notice not sent", "notice", n.Kind, "error", err)
	cancelled := ctx.Err() != nil && workflow.GetVersion(ctx, noticeCancelChangeID, workflow.DefaultVersion, 1) == 1
	if cancelled {
		// Cancelled by ops from Temporal: the notice will not go out, and
		// that is recorded and told like any notice not sent (on a context
		// the cancellation does not reach), not dropped unsaid.
		ctx, _ = workflow.NewDisconnectedContext(ctx)
		why = domain.ReasonNoticeCancelledByOps
	}
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.RecordAudit, activities.AuditInput{
		Step: step, Action: domain.ActionNoticeFailed, Detail: map[string]string{"notice": string(n.Kind), "error": why},
		Seq: noticeAuditSeq(n.Kind)}).Get(ctx, nil)
	if n.Kind == domain.NoticeOps {
		return stoppedBy(cancelled)
	}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opsAlertOptions()), a.AlertNoticeFailed, activities.NoticeFailedInput{
		Step: step, ChannelName: channelNameOf(n), Notice: n.Kind, Error: why}).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("ops not told of a notice not sent", "notice", n.Kind, "error", err)
	}
	return stoppedBy(cancelled)
}

// stoppedBy is the notice's end: Canceled when ops cancelled it (its record
// written), else done.
func stoppedBy(cancelled bool) error {
	if cancelled {
		return temporal.NewCanceledError()
	}
	return nil
}

// noticeCancelChangeID names r5's change to a notice cancelled from
// Temporal: it records notice_failed and tells ops, where it used to end
// with nothing said (the notice auto-upgrades: runs cancelled on an earlier
// build replay as they ran).
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

func channelNameOf(n Notice) string {
	switch {
	case n.Admins != nil:
		return n.Admins.ChannelName
	case n.GuessLimit != nil:
		return n.GuessLimit.ChannelName
	}
	return ""
}

// startNotice starts the notice as an abandoned child and waits only until
// Temporal has started it, so the run never closes with a notice owed and
// not yet begun. id is the notice's workflow id, the same for a notice
// started twice (a replayed or reset start is refused as a duplicate: the
// notice already exists, and goes out once).
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
