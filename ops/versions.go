package ops

import (
	"context"
	"fmt"
	"io"
	"sort"
	"text/tabwriter"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

// Build is one version of the worker deployment as ops see it.
type Build struct {
	BuildID string
	Created time.Time
	// Routing is "current", "ramping 25%" or "" (no new runs reach it).
	Routing string
	// Drainage is the server's word for a build no new run reaches:
	// "draining" (pinned runs may still be open on it), "drained", or ""
	// (current, ramping, or never current).
	Drainage string
	// Polls is the task queues the server lists for the build (name and
	// type): a build is promoted once it polls every queue the current one does.
	Polls []worker.TaskQueue
	// OpenRemovals and OpenOther count the pinned runs still open on it
	// (visibility: TemporalWorkerDeploymentVersion), removals and the rest
	// (MetaAccessLostWorkflow): each waits for this build's workers.
	OpenRemovals, OpenOther int64
	// OpenAutoUpgrade counts the auto-upgrading runs (purges) whose last
	// workflow task ran here: asleep on a timer, each moves to the current
	// build at its next task, so none keeps the build from draining.
	OpenAutoUpgrade int64
}

// Drained: no new run reaches the build and no pinned run is open on it, so
// its workers may stop. The server says so (drainage "drained"), or the
// build never received a run and none is open.
func (b Build) Drained() bool {
	if b.Routing != "" || b.OpenRemovals+b.OpenOther > 0 {
		return false
	}
	return b.Drainage == "drained" || b.Drainage == ""
}

// Versions lists the builds of deployment, newest first.
func Versions(ctx context.Context, c client.Client, deployment string) ([]Build, error) {
	h := c.WorkerDeploymentClient().GetHandle(deployment)
	d, err := h.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		if _, ok := err.(*serviceerror.NotFound); ok {
			return nil, nil // no versioned worker has polled yet
		}
		return nil, fmt.Errorf("describe worker deployment %s: %w", deployment, err)
	}
	rc := d.Info.RoutingConfig
	var out []Build
	for _, s := range d.Info.VersionSummaries {
		b := Build{BuildID: s.Version.BuildID, Created: s.CreateTime}
		switch {
		case rc.CurrentVersion != nil && rc.CurrentVersion.BuildID == b.BuildID:
			b.Routing = "current"
		case rc.RampingVersion != nil && rc.RampingVersion.BuildID == b.BuildID:
			b.Routing = fmt.Sprintf("ramping %g%%", rc.RampingVersionPercentage)
		}
		switch s.DrainageStatus {
		case client.WorkerDeploymentVersionDrainageStatusDraining:
			b.Drainage = "draining"
		case client.WorkerDeploymentVersionDrainageStatusDrained:
			b.Drainage = "drained"
		}
		if b.Polls, err = worker.Polls(ctx, h, b.BuildID); err != nil {
			return nil, fmt.Errorf("describe build %s: %w", b.BuildID, err)
		}
		// The run's own behaviour, as the server recorded it, tells pinned
		// runs from auto-upgrading ones: the server counts only the pinned
		// towards a build's drainage.
		version := fmt.Sprintf("TemporalWorkerDeploymentVersion = '%s:%s' AND ExecutionStatus = 'Running'", deployment, b.BuildID)
		pinned := version + " AND TemporalWorkflowVersioningBehavior = 'Pinned'"
		if b.OpenRemovals, err = count(ctx, c, pinned+fmt.Sprintf(" AND WorkflowType = '%s'", workflows.WorkflowName)); err != nil {
			return nil, err
		}
		if b.OpenOther, err = count(ctx, c, pinned+fmt.Sprintf(" AND WorkflowType != '%s'", workflows.WorkflowName)); err != nil {
			return nil, err
		}
		if b.OpenAutoUpgrade, err = count(ctx, c, version+" AND TemporalWorkflowVersioningBehavior = 'AutoUpgrade'"); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// Find is the build of bs with id (zero when none is).
func Find(bs []Build, id string) Build {
	for _, b := range bs {
		if b.BuildID == id {
			return b
		}
	}
	return Build{}
}

func count(ctx context.Context, c client.Client, query string) (int64, error) {
	res, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Query: query})
	if err != nil {
		return 0, fmt.Errorf("count %s: %w", query, err)
	}
	return res.GetCount(), nil
}

// PrintVersions writes the builds as a table.
func PrintVersions(w io.Writer, deployment string, bs []Build, now time.Time) {
	if len(bs) == 0 {
		fmt.Fprintf(w, "deployment %s: no versioned worker has polled yet\n", deployment)
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "BUILD ID\tROUTING\tPOLLS\tOPEN REMOVALS\tOTHER PINNED\tAUTO-UPGRADE\tSERVER SAYS\tDRAINED\tAGE")
	for _, b := range bs {
		drained := "no"
		switch {
		case b.Routing != "":
			drained = "—" // it takes new runs
		case b.Drained():
			drained = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", b.BuildID, dash(b.Routing), dash(worker.FormatQueues(b.Polls)),
			b.OpenRemovals, b.OpenOther, b.OpenAutoUpgrade, dash(b.Drainage), drained, age(now.Sub(b.Created)))
	}
	tw.Flush()
	fmt.Fprintf(w, "deployment %s: %d build(s)\n", deployment, len(bs))
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// Promote makes build the deployment's current version, or its ramping one
// with ramp percent of new runs (worker.Promote: once the server lists it on
// every task queue the current build polls, bounded by wait), then prints
// the builds.
func Promote(ctx context.Context, c client.Client, namespace, build string, ramp float64, wait time.Duration, actor string, out io.Writer) error {
	o := worker.PromoteOptions{BuildID: build, Ramp: float32(ramp), Wait: wait, Namespace: namespace, Identity: actor}
	fmt.Fprintf(out, "build %s: waiting (up to %s) until it polls every task queue of the current build, then switching...\n", build, wait)
	if err := worker.Promote(ctx, c, o); err != nil {
		return err
	}
	bs, err := Versions(ctx, c, worker.DeploymentName)
	if err != nil {
		return err
	}
	PrintVersions(out, worker.DeploymentName, bs, time.Now())
	return nil
}
