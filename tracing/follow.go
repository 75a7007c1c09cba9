package tracing

import (
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"
)

// spanKey is where the SDK's tracing interceptor keeps a workflow's current
// span in the workflow.Context. Ours rather than its default (private) key,
// so that followUpdates can read and replace it.
type spanKey struct{}

// followUpdates wraps the SDK's tracing interceptor so that a run's main
// line, once an update has been handled, schedules its activities in that
// update's trace rather than in the trace of the request that started the
// run. A removal waits for `POST …/verify` and only then unlinks the channel:
// without this the Meta call sits under `POST …/removals`, hours earlier, and
// "the verify took 10 s" cannot be followed to Meta.
//
// Only the span the activity's StartActivity span is parented to changes: it
// travels in the activity's header, which is not a command, so replays of
// sealed histories are unaffected (workflows/replay_test.go replays with it).
type followUpdates struct {
	interceptor.Interceptor // the SDK's, built with SpanContextKey: spanKey{}
}

func (f followUpdates) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	// The SDK's inbound runs first and puts its spans (RunWorkflow,
	// HandleUpdate) on the context it passes to ours; our outbound runs
	// before the SDK's, so the span we put on the context is the parent of
	// the SDK's StartActivity span.
	in := &followInbound{}
	in.Next = next
	return f.Interceptor.InterceptWorkflow(ctx, in)
}

// followInbound holds, for one run on this worker, its main line's span
// and the span of the last update it handled. Both are rebuilt by a replay
// (the update's span from the header history kept), so a worker that picks
// the run up again parents the same way.
type followInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	main   any // the RunWorkflow span
	update any // the last HandleUpdate span
}

func (f *followInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	out := &followOutbound{in: f}
	out.Next = outbound
	return f.Next.Init(out)
}

func (f *followInbound) ExecuteWorkflow(ctx workflow.Context, in *interceptor.ExecuteWorkflowInput) (any, error) {
	f.main = ctx.Value(spanKey{})
	return f.Next.ExecuteWorkflow(ctx, in)
}

func (f *followInbound) ExecuteUpdate(ctx workflow.Context, in *interceptor.UpdateInput) (any, error) {
	if sp := ctx.Value(spanKey{}); sp != nil && sp != f.main {
		f.update = sp
	}
	return f.Next.ExecuteUpdate(ctx, in)
}

type followOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	in *followInbound
}

// follow returns ctx with the last update's span in place of the main
// line's. Work scheduled from a handler keeps its handler's span; work of
// the main line (and of the coroutines it started) before any update keeps
// the start's.
func (f *followOutbound) follow(ctx workflow.Context) workflow.Context {
	if f.in.update == nil || f.in.main == nil || ctx.Value(spanKey{}) != f.in.main {
		return ctx
	}
	return workflow.WithValue(ctx, spanKey{}, f.in.update)
}

func (f *followOutbound) ExecuteActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	return f.Next.ExecuteActivity(f.follow(ctx), activityType, args...)
}

func (f *followOutbound) ExecuteLocalActivity(ctx workflow.Context, activityType string, args ...any) workflow.Future {
	return f.Next.ExecuteLocalActivity(f.follow(ctx), activityType, args...)
}

func (f *followOutbound) ExecuteChildWorkflow(ctx workflow.Context, childWorkflowType string, args ...any) workflow.ChildWorkflowFuture {
	return f.Next.ExecuteChildWorkflow(f.follow(ctx), childWorkflowType, args...)
}
