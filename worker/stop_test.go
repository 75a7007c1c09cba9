package worker_test

import (
	"context"
	"io"
	"log/slog"
	"strconv"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
)

// A worker stopped for a deploy lets the activity it is running finish, and
// the activity's result reaches the run: the SDK's default stop cancels it at
// once. The worker is the production one's options (app.Tuning of the
// configuration a process loads), on a real dev server.
func TestAStoppedWorkerLetsItsActivityFinish(t *testing.T) {
	c := devServer(t)
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	tuning := app.Tuning(cfg)
	tuning.Queue = "stop-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	tuning.Version.Unversioned = true // the stop is the matter here, not the routing
	w := sdkworker.New(c, tuning.Queue, tuning.Options())
	started, ended := make(chan struct{}), make(chan error, 1)
	w.RegisterActivityWithOptions(func(ctx context.Context) (string, error) {
		close(started)
		select {
		case <-time.After(2 * time.Second): // a notice's SendGrid call, a purge batch
			ended <- ctx.Err()
			return "finished", nil
		case <-ctx.Done():
			ended <- ctx.Err()
			return "", ctx.Err()
		}
	}, activity.RegisterOptions{Name: "SlowStep"})
	w.RegisterWorkflowWithOptions(func(ctx workflow.Context) (string, error) {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second,
			RetryPolicy: &temporal.RetryPolicy{MaximumAttempts: 1}})
		var out string
		err := workflow.ExecuteActivity(ctx, "SlowStep").Get(ctx, &out)
		return out, err
	}, workflow.RegisterOptions{Name: "StopTestWorkflow"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: tuning.Queue, TaskQueue: tuning.Queue}, "StopTestWorkflow")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.TerminateWorkflow(context.Background(), run.GetID(), "", "test over") })
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("the activity did not start within 30 s")
	}

	stopped := make(chan time.Duration, 1)
	t0 := time.Now()
	go func() { w.Stop(); stopped <- time.Since(t0) }()
	select {
	case err := <-ended:
		if err != nil {
			t.Fatalf("the stop cancelled the running activity: %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the activity did not end within a minute of the stop")
	}
	took := <-stopped
	t.Logf("Stop returned after %s, once the activity ended", took.Round(10*time.Millisecond))
	if took > tuning.StopTimeout {
		t.Errorf("Stop took %s, past its bound %s", took, tuning.StopTimeout)
	}
	// Its result is in the run's history, for the next worker to go on from.
	var outcome []string
	iter := c.GetWorkflowHistory(ctx, run.GetID(), run.GetRunID(), false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
			var got string // the result as any reader with the codec's key reads it
			if err := app.DevCodec.DataConverter().FromPayload(a.GetResult().GetPayloads()[0], &got); err != nil {
				t.Fatal(err)
			}
			outcome = append(outcome, "completed: "+got)
		} else if ev.GetActivityTaskFailedEventAttributes() != nil || ev.GetActivityTaskTimedOutEventAttributes() != nil {
			outcome = append(outcome, ev.EventType.String())
		}
	}
	if len(outcome) != 1 || outcome[0] != `completed: finished` {
		t.Fatalf("the activity's outcome in the history: %q", outcome)
	}
}

// devServer starts a Temporal dev server of the test's own (in memory) and
// a client to it.
func devServer(t *testing.T) client.Client {
	t.Helper()
	srv, err := temporaldev.Start(context.Background(), temporaldev.Options{Progress: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	c, err := app.DialTemporal(context.Background(), srv.Address, "default", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}
