package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sync"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crm/channel-removal/workflows"
)

// DeploymentName is the Worker Deployment every build registers under
// (SPEC §8): a build is one of its versions.
const DeploymentName = "channel-removal"

// Version is how a worker takes part in Worker Versioning.
type Version struct {
	// BuildID names the build (WORKER_BUILD_ID); empty is DefaultBuildID().
	BuildID string
	// Unversioned (WORKER_VERSIONING=false) registers a plain worker, for a
	// server without Worker Deployments. Every build then serves every run,
	// and a change to the workflow's commands fails the runs in flight.
	Unversioned bool
	// Promote is when this build makes itself the deployment's current
	// version once it polls.
	Promote Promotion
}

// Promotion says when a starting build makes itself current.
type Promotion int

const (
	// PromoteFirstDeploy: only when the deployment has no current version
	// (the first deploy: nothing to drain). Every later build is made current
	// by ops (docs/operations.md, "Releasing a build").
	PromoteFirstDeploy Promotion = iota
	// PromoteAlways: this build is the only one there is (dev, tests).
	PromoteAlways
)

// buildID may be set at link time: -ldflags "-X github.com/crm/channel-removal/worker.buildID=…".
var buildID string

var (
	defaultOnce sync.Once
	defaultID   string
)

// DefaultBuildID identifies this binary: the link-time value, else the VCS
// revision the build recorded, else a digest of the executable itself
// (builds here run with -buildvcs=false). It starts with the workflow's
// release, so ops can tell shapes apart at a glance.
func DefaultBuildID() string {
	defaultOnce.Do(func() {
		id := buildID
		if id == "" {
			id = vcsRevision()
		}
		if id == "" {
			id = executableDigest()
		}
		defaultID = workflows.Release + "-" + id
	})
	return defaultID
}

func vcsRevision() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	var rev string
	dirty := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if rev == "" || dirty {
		return "" // a dirty tree is not that revision: the digest tells builds apart
	}
	return rev[:min(12, len(rev))]
}

func executableDigest() string {
	exe, err := os.Executable()
	if err != nil {
		return "unknown"
	}
	f, err := os.Open(exe)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "unknown"
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// ID is the build id this worker registers with.
func (v Version) ID() string {
	if v.BuildID != "" {
		return v.BuildID
	}
	return DefaultBuildID()
}

func (v Version) options() sdkworker.DeploymentOptions {
	if v.Unversioned {
		return sdkworker.DeploymentOptions{}
	}
	return sdkworker.DeploymentOptions{UseVersioning: true,
		Version: sdkworker.WorkerDeploymentVersion{DeploymentName: DeploymentName, BuildID: v.ID()}}
}

// becomeCurrent makes this build the deployment's current version when its
// Promotion says so, and waits until queue's routing says it too (the
// deployment tells its task queues a moment later; a run started in that
// moment would wait for a current version). The version exists once the
// worker's pollers reached the server, so it retries (bounded by ctx) until
// it does.
func (v Version) becomeCurrent(ctx context.Context, c client.Client, namespace, queue string) error {
	if v.Unversioned {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	h := c.WorkerDeploymentClient().GetHandle(DeploymentName)
	id := v.ID()
	var last error
	for {
		// Each try has a bound of its own: right after a server restart a
		// call can hang until the deployment's state is back, and one such
		// call must not use up the whole wait.
		tctx, done := context.WithTimeout(ctx, 10*time.Second)
		current, err := v.promoteOnce(tctx, h, id, queue)
		routed := current == id && QueueCurrent(tctx, c, namespace, queue) == id
		done()
		if routed {
			return nil
		}
		if current != "" && current != id {
			return nil // PromoteFirstDeploy, another build is current: ops decide
		}
		last = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("worker build %s did not become the current version of deployment %s: %w", id, DeploymentName, last)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// promoteOnce returns the current build once it has done what it may. It
// switches only once the server lists the build on its own queue's workflow
// and activity tasks and on every queue of the current build: a build
// registers a moment after its pollers start, one queue type at a time, and
// until then the server may refuse it.
func (v Version) promoteOnce(ctx context.Context, h client.WorkerDeploymentHandle, id, queue string) (string, error) {
	d, err := h.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		return "", err // NotFound until a poller has reached the server
	}
	if cur := d.Info.RoutingConfig.CurrentVersion; cur != nil && (cur.BuildID == id || v.Promote == PromoteFirstDeploy) {
		return cur.BuildID, nil
	}
	registered := false
	for _, s := range d.Info.VersionSummaries {
		registered = registered || s.Version.BuildID == id
	}
	if !registered {
		return "", fmt.Errorf("build %s not registered yet", id)
	}
	missing, err := unpolled(ctx, h, d, id, ownQueues(queue))
	if err != nil {
		return "", err
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("build %s does not poll %s yet", id, FormatQueues(missing))
	}
	if _, err = h.SetCurrentVersion(ctx, client.WorkerDeploymentSetCurrentVersionOptions{BuildID: id, ConflictToken: d.ConflictToken,
		Identity: "channel-removal worker " + id}); err != nil {
		return "", err
	}
	return id, nil
}

// QueueCurrent is the current build as queue's workflow tasks are routed
// ("" when unknown or unversioned).
func QueueCurrent(ctx context.Context, c client.Client, namespace, queue string) string {
	res, err := c.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{Namespace: namespace,
		TaskQueue: &taskqueuepb.TaskQueue{Name: queue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL}, TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW})
	if err != nil {
		return ""
	}
	return res.GetVersioningInfo().GetCurrentDeploymentVersion().GetBuildId()
}

// AwaitQueue waits (up to a minute) until queue's workflow tasks are routed to
// this build: a queue that a current build begins to poll learns so a
// moment later. Unversioned, it returns at once.
func (v Version) AwaitQueue(ctx context.Context, c client.Client, namespace, queue string) error {
	if v.Unversioned {
		return nil
	}
	deadline := time.Now().Add(time.Minute)
	for QueueCurrent(ctx, c, namespace, queue) != v.ID() {
		if time.Now().After(deadline) {
			return fmt.Errorf("task queue %s is not routed to build %s after a minute", queue, v.ID())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}
