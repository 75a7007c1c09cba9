package app

// How Temporal says a reconciled record's run stands.

import (
	"context"
	"errors"
	"log/slog"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/crm/channel-removal/domain"
)

// describe asks Temporal, within Config.DescribeTimeout, how the run stands;
// ok is false when the row is to be left alone this pass (Temporal does not
// know the run, or did not answer).
func (r Reconciler) describe(ctx context.Context, log *slog.Logger, id, runID string, rep *ReconcileReport) (domain.RunState, bool) {
	timeout := r.Config.DescribeTimeout
	if timeout <= 0 {
		timeout = DefaultReconcile.DescribeTimeout
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	d, err := r.Temporal.DescribeWorkflowExecution(dctx, id, runID)
	// A reset ends the run it resets (Terminated, naming its reset run): the
	// record's fate is that of the run that went on, followed here link by
	// link (a removal's row names its first run, which every reset keeps).
	for hops := 0; err == nil && runID != "" && hops < 20; hops++ {
		next := d.GetWorkflowExtendedInfo().GetResetRunId()
		if d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED || next == "" {
			break
		}
		d, err = r.Temporal.DescribeWorkflowExecution(dctx, id, next)
	}
	var missing *serviceerror.NotFound
	var invalid *serviceerror.InvalidArgument // a run id no run of Temporal's could have
	switch {
	case errors.As(err, &missing) || errors.As(err, &invalid):
		log.Info("reconcile: left alone, Temporal does not know the run (its retention passed?)")
		rep.Unknown++
		return domain.RunUnknown, false
	case err != nil:
		if ctx.Err() == nil {
			log.Warn("reconcile: Temporal did not describe the run", "error", err)
			rep.Failed++
		}
		return "", false
	}
	return runState(d), true
}

// runState is how Temporal describes the run, in the domain's words. A run
// terminated by a reset names the run that goes on in its stead.
func runState(d *workflowservice.DescribeWorkflowExecutionResponse) domain.RunState {
	switch d.GetWorkflowExecutionInfo().GetStatus() {
	case enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING:
		return domain.RunRunning
	case enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
		return domain.RunCompleted
	case enumspb.WORKFLOW_EXECUTION_STATUS_FAILED:
		return domain.RunFailed
	case enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED:
		return domain.RunCanceled
	case enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED:
		if d.GetWorkflowExtendedInfo().GetResetRunId() != "" {
			return domain.RunReset
		}
		return domain.RunTerminated
	case enumspb.WORKFLOW_EXECUTION_STATUS_TIMED_OUT:
		return domain.RunTimedOut
	case enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW:
		return domain.RunContinuedAsNew
	}
	return domain.RunUnknown
}
