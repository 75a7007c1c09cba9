// Package stepb is the rehearsal's build B: the same source as build A with
// one step added to the removal's commands, the kind of change a release
// makes, so that the rehearsal can show build A's runs finishing on A, and
// what becomes of them without Worker Versioning. It is a workflow
// interceptor that only build B's worker registers (-tags rehearsal_b,
// worker/rehearsal_b.go): no workflow code reads a seam for it.
package stepb

import (
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// Marker is build B's step in a history: a side effect, recorded as a
// marker, that build A's histories lack.
const Marker = "rehearsal build B: a step before the preflight"

// Interceptor adds the step at the start of every run of WorkflowType.
type Interceptor struct {
	interceptor.WorkerInterceptorBase
	WorkflowType string
}

// InterceptWorkflow wraps the runs of WorkflowType.
func (i *Interceptor) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	if workflow.GetInfo(ctx).WorkflowType.Name != i.WorkflowType {
		return next
	}
	return &inbound{WorkflowInboundInterceptorBase: interceptor.WorkflowInboundInterceptorBase{Next: next}}
}

type inbound struct {
	interceptor.WorkflowInboundInterceptorBase
}

// ExecuteWorkflow records the step, then runs the workflow as build A would.
func (w *inbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	_ = workflow.SideEffect(ctx, func(workflow.Context) any { return Marker }).Get(new(string))
	return w.Next.ExecuteWorkflow(ctx, in)
}
