package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/ops"
	"github.com/crm/channel-removal/workflows"
)

// Carriers: the runs that carry something owed to people or to the record
// and keep no row of their own in Postgres. A SecurityNoticeWorkflow carries
// a notice each admin must get once; a MetaAccessLostWorkflow carries Meta's
// word that our app lost a WABA (its channels' disconnection and the admins'
// notices). Stopped without running their code, they would drop what they
// carry unsaid, so the reconciler starts them again: a new run of the same
// workflow id with the closed run's own input (its payloads as they are,
// still encrypted), whose steps are keyed so nothing is done twice (each
// admin's notice, each channel's disconnection). Which stops count:
//
//   - a notice terminated or timed out (no code ran). A notice cancelled
//     from Temporal is ops' way to stop it: it records notice_failed and
//     tells ops itself, and is left so; a notice failed after its week of
//     tries is its designed end;
//   - a delivery's run cancelled, terminated, timed out or failed: Meta's word
//     stands whatever Temporal was asked, and the delivery is Meta's, not ours
//     to cancel (Meta's own retries of it start nothing: the id is taken).
//
// A reset run goes on in its stead and is left alone (the workflow id's
// latest run is then not the closed one); so is a closed run already
// restarted. Two reconcilers restarting one run send one request id. A
// carrier closed less than CarrierGrace ago waits for a later pass: its
// activity in flight may still be sending (Temporal does not stop it). One
// restarted MaxCarrierRestarts times is left to ops (reconcile_restarts.go).

// CarrierClient is what restarting a carrier takes (client.Client has it).
type CarrierClient interface {
	ListWorkflow(ctx context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error)
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
	GetWorkflowHistory(ctx context.Context, workflowID, runID string, isLongPoll bool, filterType enumspb.HistoryEventFilterType) client.HistoryEventIterator
	WorkflowService() workflowservice.WorkflowServiceClient
}

// DefaultCarrierLookback: carriers closed within a week are looked at (a
// notice's own retries last a week).
const DefaultCarrierLookback = 7 * 24 * time.Hour

// carrierQuery lists the carriers on queue closed since then that the
// reconciler restarts.
func carrierQuery(queue string, since time.Time) string {
	return fmt.Sprintf("TaskQueue = '%s' AND CloseTime > '%s' AND ("+
		"(WorkflowType = '%s' AND (ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut')) OR "+
		"(WorkflowType = '%s' AND (ExecutionStatus = 'Canceled' OR ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Failed')))",
		queue, since.UTC().Format(time.RFC3339), workflows.NoticeWorkflowName, workflows.MetaAccessLostWorkflowName)
}

// carriers restarts each carrier the query finds whose run is still its
// workflow id's latest.
func (r Reconciler) carriers(ctx context.Context, rep *ReconcileReport) error {
	if r.Carriers == nil {
		return nil
	}
	lookback := r.Config.CarrierLookback
	if lookback <= 0 {
		lookback = DefaultCarrierLookback
	}
	seen := map[string]bool{}
	var token []byte
	for {
		res, err := r.Carriers.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: carrierQuery(workflows.QueueOr(r.TaskQueue), time.Now().Add(-lookback)), NextPageToken: token})
		if err != nil {
			return fmt.Errorf("stopped carriers: %w", err)
		}
		for _, e := range res.Executions {
			id := e.GetExecution().GetWorkflowId()
			if seen[id] {
				continue
			}
			seen[id] = true
			r.restart(ctx, id, e.GetType().GetName(), rep)
		}
		if token = res.NextPageToken; len(token) == 0 {
			return nil
		}
	}
}

// restart starts the carrier id again if its latest run is one the query
// lists (closed as it says, not reset, not restarted).
func (r Reconciler) restart(ctx context.Context, id, workflowType string, rep *ReconcileReport) {
	log := r.Log.With("workflow_id", id, "workflow_type", workflowType)
	d, err := r.Carriers.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		log.Warn("reconcile: Temporal did not describe the carrier", "error", err)
		rep.Failed++
		return
	}
	state := runState(d)
	if !restartable(workflowType, state) {
		return // reset, restarted, or ended as designed
	}
	if at := d.GetWorkflowExecutionInfo().GetCloseTime(); at != nil && time.Since(at.AsTime()) < r.Config.CarrierGrace {
		log.Info("reconcile: a carrier closed lately is restarted once its attempt in flight has ended", "closed_at", at.AsTime())
		return
	}
	closed := d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	it := r.Carriers.GetWorkflowHistory(ctx, id, closed, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		log.Warn("reconcile: the carrier's history is empty")
		rep.Failed++
		return
	}
	first, err := it.Next()
	started := first.GetWorkflowExecutionStartedEventAttributes()
	if err != nil || started == nil {
		log.Warn("reconcile: cannot read the carrier's start", "error", err)
		rep.Failed++
		return
	}
	restarts := restartsOf(started.GetMemo())
	if restarts >= MaxCarrierRestarts {
		log.Error("reconcile: a carrier stopped again after each of its restarts is left to ops (what it carries may be unsaid)",
			"restarts", restarts, "run_closed", state, "closed_run_id", d.GetWorkflowExecutionInfo().GetExecution().GetRunId())
		return
	}
	ns := r.Namespace
	if ns == "" {
		ns = "default"
	}
	_, err = r.Carriers.WorkflowService().StartWorkflowExecution(ctx, &workflowservice.StartWorkflowExecutionRequest{
		Namespace: ns, WorkflowId: id, WorkflowType: started.GetWorkflowType(), TaskQueue: started.GetTaskQueue(),
		Input: started.GetInput(), Header: started.GetHeader(), UserMetadata: first.GetUserMetadata(),
		Memo:                  withRestarts(started.GetMemo(), restarts+1),
		Identity:              "channel-removal reconciler",
		RequestId:             uuid.NewSHA1(uuid.NameSpaceURL, []byte("restart/"+id+"/"+closed)).String(),
		WorkflowIdReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY,
	})
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &already):
		return // another reconciler restarted it
	case err != nil:
		log.Warn("reconcile: cannot restart the carrier", "error", err)
		rep.Failed++
		return
	}
	log.Warn("reconcile: restarted a run stopped without its code; what it carries is still owed", "run_closed", state, "closed_run_id", closed)
	kind := "notice"
	if workflowType == workflows.MetaAccessLostWorkflowName {
		kind = "delivery"
	}
	rep.Changed = append(rep.Changed, ops.Reconciled{Kind: kind, ID: id, RunID: closed, RunClosed: string(state),
		From: string(state), To: Restarted})
}

// Restarted is what `ops reconcile` says a carrier became.
const Restarted = "restarted"

// restartable says whether a carrier whose latest run stands so is restarted.
func restartable(workflowType string, s domain.RunState) bool {
	switch workflowType {
	case workflows.NoticeWorkflowName:
		return s == domain.RunTerminated || s == domain.RunTimedOut
	case workflows.MetaAccessLostWorkflowName:
		return s == domain.RunCanceled || s == domain.RunTerminated || s == domain.RunTimedOut || s == domain.RunFailed
	}
	return false
}
