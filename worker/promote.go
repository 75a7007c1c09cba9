package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// TaskQueue is one task queue a build polls: its name and type (workflow or
// activity tasks), as the server registered it for the build's version.
type TaskQueue = client.WorkerDeploymentTaskQueueInfo

// ownQueues are the task queues a worker of NewTuned polls: workflow and
// activity tasks of queue.
func ownQueues(queue string) []TaskQueue {
	return []TaskQueue{{Name: queue, Type: client.TaskQueueTypeWorkflow}, {Name: queue, Type: client.TaskQueueTypeActivity}}
}

// Polls lists the task queues the server has registered for build of h's
// deployment. A worker shows as a poller a moment before its build is
// registered on a queue, one queue type at a time.
func Polls(ctx context.Context, h client.WorkerDeploymentHandle, build string) ([]TaskQueue, error) {
	d, err := h.DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: build})
	if err != nil {
		return nil, err
	}
	return d.Info.TaskQueuesInfos, nil
}

// unpolled is what build does not poll yet of what it must before it takes
// the routing: own (its worker's queues), and every queue of the current
// version d names. The server refuses a version that misses a queue the
// current one has work on ("proposed current version is missing active task
// queues from the current version"): those runs would turn unversioned.
func unpolled(ctx context.Context, h client.WorkerDeploymentHandle, d client.WorkerDeploymentDescribeResponse, build string, own []TaskQueue) ([]TaskQueue, error) {
	want := slices.Clone(own)
	if cur := d.Info.RoutingConfig.CurrentVersion; cur != nil && cur.BuildID != build {
		qs, err := Polls(ctx, h, cur.BuildID)
		if err != nil {
			return nil, fmt.Errorf("task queues of the current build %s: %w", cur.BuildID, err)
		}
		want = append(want, qs...)
	}
	have, err := Polls(ctx, h, build)
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return nil, fmt.Errorf("build %s has not polled yet: start its workers first", build)
		}
		return nil, err
	}
	var out []TaskQueue
	for _, q := range want {
		if !slices.Contains(have, q) && !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	return out, nil
}

// FormatQueues writes task queues as "channel-removal (workflow, activity)".
func FormatQueues(qs []TaskQueue) string {
	qs = slices.Clone(qs)
	slices.SortFunc(qs, func(a, b TaskQueue) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.Type, b.Type))
	})
	var parts []string
	for i, q := range qs {
		if i == 0 || qs[i-1].Name != q.Name {
			parts = append(parts, q.Name+" (")
		} else {
			parts[len(parts)-1] += ", "
		}
		parts[len(parts)-1] += queueType(q.Type)
	}
	for i := range parts {
		parts[i] += ")"
	}
	return strings.Join(parts, "; ")
}

func queueType(t client.TaskQueueType) string {
	switch t {
	case client.TaskQueueTypeWorkflow:
		return "workflow"
	case client.TaskQueueTypeActivity:
		return "activity"
	case client.TaskQueueTypeNexus:
		return "nexus"
	}
	return "unknown"
}

// PromoteOptions is a promotion by ops (`channel-removal ops promote`) or a test.
type PromoteOptions struct {
	BuildID string
	// Ramp, when above 0, makes the build the ramping version with that
	// share (percent) of new runs instead of the current one.
	Ramp float32
	// Wait bounds the whole promotion; 0 is 2 minutes.
	Wait time.Duration
	// Namespace is where the task queues' routing is read; "" is "default".
	Namespace string
	// Identity is recorded as the deployment's last modifier.
	Identity string
}

// Promote makes a build of the deployment current (or ramping), the way
// docs/operations.md's procedure does: it waits until the server lists the
// build on every task queue the current build polls (a build registers a
// moment after its workers start, one queue type at a time, and the server
// refuses it until then), switches, and waits until each of the build's
// workflow task queues routes new runs to it. Every wait is bounded by Wait,
// and the error says what was still missing.
func Promote(ctx context.Context, c client.Client, o PromoteOptions) error {
	if o.Wait <= 0 {
		o.Wait = 2 * time.Minute
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	ctx, cancel := context.WithTimeout(ctx, o.Wait)
	defer cancel()
	h := c.WorkerDeploymentClient().GetHandle(DeploymentName)
	var last error
	for {
		tctx, done := context.WithTimeout(ctx, 10*time.Second)
		err := switchOnce(tctx, h, o)
		done()
		if err == nil {
			break
		}
		if last == nil || ctx.Err() == nil { // a call the deadline cut short says less than the one before it
			last = err
		}
		if err := pause(ctx); err != nil {
			return fmt.Errorf("build %s not made %s within %s: %w", o.BuildID, o.role(), o.Wait, last)
		}
	}
	qs, err := Polls(ctx, h, o.BuildID)
	if err != nil {
		return err
	}
	for _, q := range qs {
		if q.Type != client.TaskQueueTypeWorkflow {
			continue // activity tasks follow their workflow's build
		}
		for routedTo(ctx, c, o, q.Name) != o.BuildID {
			if err := pause(ctx); err != nil {
				return fmt.Errorf("build %s is %s, but task queue %s does not route to it within %s", o.BuildID, o.role(), q.Name, o.Wait)
			}
		}
	}
	return nil
}

func switchOnce(ctx context.Context, h client.WorkerDeploymentHandle, o PromoteOptions) error {
	d, err := h.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		return err
	}
	missing, err := unpolled(ctx, h, d, o.BuildID, nil)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return fmt.Errorf("build %s does not poll %s, which the current build %s polls: start its workers on every task queue",
			o.BuildID, FormatQueues(missing), d.Info.RoutingConfig.CurrentVersion.BuildID)
	}
	if o.Ramp > 0 {
		_, err = h.SetRampingVersion(ctx, client.WorkerDeploymentSetRampingVersionOptions{BuildID: o.BuildID, Percentage: o.Ramp,
			ConflictToken: d.ConflictToken, Identity: o.Identity})
		return err
	}
	_, err = h.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: o.BuildID,
		ConflictToken: d.ConflictToken, Identity: o.Identity})
	return err
}

func (o PromoteOptions) role() string {
	if o.Ramp > 0 {
		return fmt.Sprintf("ramping (%g%%)", o.Ramp)
	}
	return "current"
}

// routedTo is the build queue's workflow tasks go to in o's role ("" when unknown).
func routedTo(ctx context.Context, c client.Client, o PromoteOptions, queue string) string {
	res, err := c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{Namespace: o.Namespace,
		TaskQueue: &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}, TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW})
	if err != nil {
		return ""
	}
	if o.Ramp > 0 {
		return res.GetVersioningInfo().GetRampingDeploymentVersion().GetBuildId()
	}
	return res.GetVersioningInfo().GetCurrentDeploymentVersion().GetBuildId()
}

func pause(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(200 * time.Millisecond):
		return nil
	}
}
