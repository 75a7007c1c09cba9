// Package worker runs RemoveChannelWorkflow and its activities on the
// channel-removal task queue.
package worker

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// Tuning is how many pollers the worker keeps on the task queue, how many
// activities it runs at once and how it stops. Under load the default two
// workflow-task pollers stay busy with the sticky queues of the runs already
// going, and new runs wait in the queue: more pollers (or the SDK's poller
// autoscaling) let them start. Defaults are measured with
// `channel-removal bench` (README).
type Tuning struct {
	WorkflowPollers int  // WORKER_WORKFLOW_POLLERS
	ActivityPollers int  // WORKER_ACTIVITY_POLLERS
	Autoscale       bool // WORKER_POLLER_AUTOSCALE: let the SDK scale pollers (ignores the counts)
	// NoSticky (WORKER_NO_STICKY) sends every workflow task through the shared
	// queue, where new runs are not starved by the sticky tasks of runs going
	// on; each task then replays the run's (short) history. Process-wide.
	NoSticky bool
	// EagerActivities (WORKER_EAGER_ACTIVITIES) asks the server to hand an
	// activity back in the answer to the workflow task that scheduled it,
	// where the server allows it (the embedded one does). Measured: under
	// load it shortens the wait after verify and the whole run, and
	// lengthens the start's; on by default (README, Performance).
	EagerActivities bool
	// Queue is the task queue (TEMPORAL_TASK_QUEUE); empty is
	// workflows.TaskQueue, the contract's.
	Queue string
	// Version is the build's Worker Deployment Version (version.go).
	Version Version
	// Namespace is the client's (TEMPORAL_NAMESPACE), where the build's
	// routing is read; empty is "default".
	Namespace string
	// StopTimeout (WORKER_STOP_TIMEOUT) is how long Stop lets in-flight
	// activities finish before it cancels them. The SDK's default, 0,
	// cancels them at once: a deploy would cut a notice or a purge batch
	// halfway and leave it to the retry policy.
	StopTimeout time.Duration
	// PoolSize is the process's database connections (DATABASE_POOL_SIZE).
	// Local activities (preflight, code, verification, tombstone) each hold
	// one while they run inside a workflow task, so at most that many run
	// at once: beyond it they would only queue on the pool, their time
	// running out there. 0 leaves the SDK's defaults (1,000 of each).
	PoolSize int
}

// activitiesPerConnection bounds the activities run at once to this many
// per pooled connection. Most of them (Meta, SendGrid) hold no connection
// over their HTTP call, so the pool alone would be too few; but each writes
// its record through the pool, and five waiters per connection keep that
// wait (a purge batch holds its connection for about half a second) far
// under the shortest StartToCloseTimeout (15 s).
const activitiesPerConnection = 5

func (t Tuning) namespace() string {
	if t.Namespace == "" {
		return "default"
	}
	return t.Namespace
}

// Apply sets what the SDK only allows process-wide; call it before starting workers.
func (t Tuning) Apply() {
	if t.NoSticky {
		sdkworker.SetStickyWorkflowCacheSize(0)
	}
}

// DefaultTuning is what the benchmark chose on our 2-core machine, with the
// pool that postgres.Open opens. Its StopTimeout is 0: tests stop workers to
// end, not to deploy (app.Tuning sets the configured one).
var DefaultTuning = Tuning{WorkflowPollers: 32, ActivityPollers: 8, EagerActivities: true, PoolSize: postgres.PoolSize}

// Options turns a tuning into worker options.
func (t Tuning) Options() sdkworker.Options {
	o := sdkworker.Options{MaxConcurrentWorkflowTaskPollers: t.WorkflowPollers, MaxConcurrentActivityTaskPollers: t.ActivityPollers,
		DisableEagerActivities: !t.EagerActivities, DeploymentOptions: t.Version.options()}
	if t.Autoscale {
		o = sdkworker.Options{
			WorkflowTaskPollerBehavior: sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{}),
			ActivityTaskPollerBehavior: sdkworker.NewPollerBehaviorAutoscaling(sdkworker.PollerBehaviorAutoscalingOptions{}),
			DisableEagerActivities:     !t.EagerActivities,
			DeploymentOptions:          t.Version.options(),
		}
	}
	o.WorkerStopTimeout = t.StopTimeout
	if t.PoolSize > 0 {
		o.MaxConcurrentLocalActivityExecutionSize = t.PoolSize
		o.MaxConcurrentActivityExecutionSize = activitiesPerConnection * t.PoolSize
	}
	return o
}

// New builds a worker with the workflow under its contract name and every
// activity, tuned with DefaultTuning.
func New(c client.Client, acts *activities.Activities) sdkworker.Worker {
	return NewTuned(c, acts, DefaultTuning)
}

// NewTuned is New with a tuning of one's own.
func NewTuned(c client.Client, acts *activities.Activities, t Tuning) sdkworker.Worker {
	o := t.Options()
	o.Interceptors = append(o.Interceptors, activities.ResetAuditor(acts, workflows.WorkflowName))
	o.Interceptors = append(o.Interceptors, buildInterceptors...)
	w := sdkworker.New(c, workflows.QueueOr(t.Queue), o)
	for _, r := range workflows.Registrations() {
		w.RegisterWorkflowWithOptions(r.Workflow, r.Options)
	}
	w.RegisterActivity(acts)
	return w
}

// Start starts a tuned worker and, as its Version.Promote says, makes its
// build the deployment's current version; it returns once new runs reach it.
func Start(ctx context.Context, c client.Client, acts *activities.Activities, t Tuning) (sdkworker.Worker, error) {
	w := NewTuned(c, acts, t)
	if err := w.Start(); err != nil {
		return nil, err
	}
	if err := t.Version.becomeCurrent(ctx, c, t.namespace(), workflows.QueueOr(t.Queue)); err != nil {
		w.Stop()
		return nil, err
	}
	return w, nil
}

// Run starts the worker and stops it gracefully when ctx is done: in-flight
// activities get up to t.StopTimeout to finish.
func Run(ctx context.Context, c client.Client, acts *activities.Activities, t Tuning) error {
	t.Apply()
	w, err := Start(ctx, c, acts, t)
	if err != nil {
		return err
	}
	<-ctx.Done()
	w.Stop()
	return nil
}
