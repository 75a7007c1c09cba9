// Package worker runs RemoveChannelWorkflow and its activities on the
// channel-removal task queue.
package worker

import (
	"context"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/workflows"
)

// New builds a worker with the workflow under its contract name and every activity.
func New(c client.Client, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, workflows.TaskQueue, sdkworker.Options{})
	w.RegisterWorkflowWithOptions(workflows.RemoveChannelWorkflow, workflows.RegisterOptions())
	w.RegisterActivity(acts)
	return w
}

// Run starts the worker and stops it gracefully (in-flight activities get to
// finish) when ctx is done.
func Run(ctx context.Context, c client.Client, acts *activities.Activities) error {
	w := New(c, acts)
	if err := w.Start(); err != nil {
		return err
	}
	<-ctx.Done()
	w.Stop()
	return nil
}
