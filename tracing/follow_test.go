package tracing

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// unlink stands for the removal's Meta activity: only its span matters.
func unlink(context.Context) error { return nil }

// waitThenUnlink is a removal's shape: the main line waits for an update,
// then schedules the activity.
func waitThenUnlink(ctx workflow.Context) error {
	verified := false
	if err := workflow.SetUpdateHandler(ctx, "verify", func(ctx workflow.Context) error {
		verified = true
		return nil
	}); err != nil {
		return err
	}
	if err := workflow.Await(ctx, func() bool { return verified }); err != nil {
		return err
	}
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	return workflow.ExecuteActivity(ctx, unlink).Get(ctx, nil)
}

// TestTheMainLineFollowsTheUpdate: the activity the main line schedules
// after an update is in the update's trace, not the run's.
func TestTheMainLineFollowsTheUpdate(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{TemporalInterceptor()}})
	env.RegisterWorkflow(waitThenUnlink)
	env.RegisterActivity(unlink)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow("verify", "u1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("update rejected: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {}})
	}, time.Second)
	env.ExecuteWorkflow(waitThenUnlink)
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	traces := map[string]trace.TraceID{}
	for _, sp := range rec.Ended() {
		traces[sp.Name()] = sp.SpanContext().TraceID()
	}
	// The test's update carries no span, so its handler starts a trace of
	// its own: the run's and the update's differ, as in production.
	if u := traces["HandleUpdate:verify"]; !u.IsValid() || u == traces["RunWorkflow:waitThenUnlink"] {
		t.Fatalf("want the update in a trace of its own: %v", traces)
	}
	if traces["HandleUpdate:verify"] != traces["RunActivity:unlink"] {
		t.Errorf("the activity is not in the update's trace: %v", traces)
	}
}
