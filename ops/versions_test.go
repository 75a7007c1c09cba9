package ops_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/ops"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

// Two builds of the deployment, as a deploy has them, with stand-ins for a
// removal (pinned, waiting for a signal) and a purge (auto-upgrade, asleep
// on its timer) started on A:
//   - B is promoted only once it polls every task queue A polls: with its
//     activity worker not started, the promotion waits and then says which
//     queue is missing (the server would refuse it, or route A's activities
//     nowhere); once it polls, the promotion goes through and routes to B;
//   - A drains once the removal ends, though the purge still sleeps on it
//     (it moves to B at its next workflow task), and `ops versions` says so.
func TestABuildIsPromotedOncePollingAndDrainsOfItsPinnedRuns(t *testing.T) {
	c := ownServer(t)
	ctx := context.Background()
	q := "versions-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	startWorker(t, c, q, "a", sdkworker.Options{})
	if err := worker.Promote(ctx, c, worker.PromoteOptions{BuildID: "a"}); err != nil {
		t.Fatal(err)
	}
	removal, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "removal-" + q, TaskQueue: q}, workflows.WorkflowName)
	if err != nil {
		t.Fatal(err)
	}
	purge, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "purge-" + q, TaskQueue: q}, workflows.PurgeWorkflowName)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.TerminateWorkflow(context.Background(), purge.GetID(), "", "test over") })
	var out bytes.Buffer
	within(t, time.Minute, &out, func() bool { // visibility follows a moment later
		a := versions(t, c, &out)["a"]
		return a.OpenRemovals == 1 && a.OpenAutoUpgrade == 1
	})

	// B's workflow worker alone: it does not poll A's activity tasks yet.
	startWorker(t, c, q, "b", sdkworker.Options{LocalActivityWorkerOnly: true})
	within(t, time.Minute, &out, func() bool { // the server lists B's workflow poller a moment after it starts
		qs, err := worker.Polls(ctx, c.WorkerDeploymentClient().GetHandle(worker.DeploymentName), "b")
		return err == nil && strings.Contains(worker.FormatQueues(qs), q+" (workflow)")
	})
	err = worker.Promote(ctx, c, worker.PromoteOptions{BuildID: "b", Wait: 5 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "does not poll "+q+" (activity)") {
		t.Fatalf("promoting B before it polls activity tasks: %v", err)
	}
	t.Logf("promoting B before it polls activity tasks: %v", err)
	if cur := worker.QueueCurrent(ctx, c, "default", q); cur != "a" {
		t.Fatalf("after a refused promotion the queue routes to %q", cur)
	}
	startWorker(t, c, q, "b", sdkworker.Options{DisableWorkflowWorker: true})
	if err := worker.Promote(ctx, c, worker.PromoteOptions{BuildID: "b", Wait: time.Minute}); err != nil {
		t.Fatal(err)
	}
	if cur := worker.QueueCurrent(ctx, c, "default", q); cur != "b" {
		t.Fatalf("Promote returned; the queue routes to %q", cur)
	}
	bs := versions(t, c, &out)
	t.Logf("ops versions, B current, the removal open on A:\n%s", out.String())
	if b := bs["b"]; worker.FormatQueues(b.Polls) != q+" (workflow, activity)" || b.Routing != "current" {
		t.Fatalf("B: %+v", b)
	}
	if a := bs["a"]; a.Drained() {
		t.Fatalf("A drained with its removal open: %+v", a)
	}

	if err := c.SignalWorkflow(ctx, removal.GetID(), "", "done", nil); err != nil {
		t.Fatal(err)
	}
	if err := removal.Get(ctx, nil); err != nil {
		t.Fatal(err)
	}
	within(t, time.Minute, &out, func() bool { return versions(t, c, &out)["a"].Drained() })
	t.Logf("ops versions, the removal ended, the purge asleep:\n%s", out.String())
	if a := versions(t, c, &out)["a"]; a.OpenAutoUpgrade != 1 || !strings.Contains(out.String(), "drained") {
		t.Fatalf("A once drained: %+v (the purge must still sleep on it for this test to mean anything)\n%s", a, out.String())
	}
}

// startWorker runs a worker of build on q with stand-ins for the pinned
// removal and the auto-upgrading purge, stopped when the test ends.
func startWorker(t *testing.T, c client.Client, q, build string, o sdkworker.Options) {
	t.Helper()
	v := worker.Tuning{Queue: q, Version: worker.Version{BuildID: build}}.Options()
	o.DeploymentOptions = v.DeploymentOptions
	w := sdkworker.New(c, q, o)
	if !o.DisableWorkflowWorker {
		w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
			workflow.GetSignalChannel(ctx, "done").Receive(ctx, nil)
			return nil
		}, workflows.RegisterOptions())
		w.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
			return workflow.Sleep(ctx, time.Hour)
		}, workflows.PurgeOptions())
	}
	w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "Unused"})
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
}

func versions(t *testing.T, c client.Client, out *bytes.Buffer) map[string]ops.Build {
	t.Helper()
	bs, err := ops.Versions(context.Background(), c, worker.DeploymentName)
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	ops.PrintVersions(out, worker.DeploymentName, bs, time.Now())
	m := map[string]ops.Build{}
	for _, b := range bs {
		m[b.BuildID] = b
	}
	return m
}

func within(t *testing.T, limit time.Duration, last *bytes.Buffer, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s; last:\n%s", limit, last.String())
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// ownServer is a Temporal dev server of the test's own, with one partition
// per task queue (a switch of the current build reaches it at once).
func ownServer(t *testing.T) client.Client {
	t.Helper()
	srv, err := temporaldev.Start(context.Background(), temporaldev.Options{Progress: io.Discard,
		DynamicConfig: []string{"matching.numTaskqueueReadPartitions=1", "matching.numTaskqueueWritePartitions=1"}})
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
