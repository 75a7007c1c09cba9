package rehearsal

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/crm/channel-removal/internal/devtools/rehearsal/stepb"
	"github.com/crm/channel-removal/ops"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

// DeployReport is one deploy phase: removals left waiting on build A (at the
// alert, at the code, in completed_with_warnings) are driven to their end
// once build B — the same source with a step added before the alert
// (-tags rehearsal_b) — has started and taken over new runs; then new
// removals start.
type DeployReport struct {
	Versioned      bool
	BuildA, BuildB string
	Waiting, New   int
	// FinishedOnA: A's runs that completed with every workflow task on A and
	// without B's step. NewOnB: new runs that completed on B, with its step.
	FinishedOnA, NewOnB int
	// RanBStep: A's runs that ran B's step (an unversioned B took them over).
	RanBStep int
	// NDE: runs with a workflow task failed for non-determinism.
	NDE int
	// Stuck: runs not ended when the phase stopped waiting for them.
	Stuck int
	// DrainedAfter: from B made current to A reported drained (versioned).
	DrainedAfter time.Duration
	// Draining is `ops versions` right after the switch, A's removals open;
	// Versions the same once A was drained, before A stopped.
	Draining, Versions string
}

// nextBuildMarker is the text of build B's step in a history.
const nextBuildMarker = stepb.Marker

// deployVersioned: the release procedure of docs/operations.md, on the
// production fleet. A's workers stop once `ops versions` says A is drained.
func (r *rig) deployVersioned(ctx context.Context) error {
	t0 := time.Now()
	rep := &DeployReport{Versioned: true}
	bs, err := ops.Versions(ctx, r.tc, worker.DeploymentName)
	if err != nil || len(bs) != 1 || bs[0].Routing != "current" {
		return fmt.Errorf("before the deploy, want build A alone and current: %+v %v", bs, err)
	}
	rep.BuildA = bs[0].BuildID
	r.logf("deploy, versioned: removals left waiting on build %s...", rep.BuildA)
	w, err := r.leaveWaiting(ctx, r.fleet.apiURLs)
	if err != nil {
		return err
	}
	var bWorkers []*process
	for i := 1; i <= 2; i++ {
		p, err := r.fleet.newWorker(r.o.BinaryB, fmt.Sprintf("worker-b%d", i), r.doors[i-1].srv.URL, nil)
		if err != nil {
			return err
		}
		bWorkers = append(bWorkers, p)
	}
	for _, p := range bWorkers {
		if err := r.fleet.startProcess(ctx, p, workflows.TaskQueue); err != nil {
			return err
		}
	}
	if rep.BuildB, err = r.newBuild(ctx, rep.BuildA); err != nil {
		return err
	}
	// B did not make itself current (A is): ops do, with `ops promote`,
	// which waits until B polls every task queue A polls.
	if out, err := r.run(ctx, "ops", "promote", "--build-id", rep.BuildB); err != nil {
		return fmt.Errorf("ops promote: %v\n%s", err, out)
	}
	switched := time.Now()
	if err := (worker.Version{BuildID: rep.BuildB}).AwaitQueue(ctx, r.tc, "default", workflows.TaskQueue); err != nil {
		return err
	}
	if bs, err := ops.Versions(ctx, r.tc, worker.DeploymentName); err == nil {
		var out bytes.Buffer
		ops.PrintVersions(&out, worker.DeploymentName, bs, time.Now())
		rep.Draining = out.String()
	}
	r.logf("  build %s is current; driving A's waiting removals to their end...", rep.BuildB)
	fresh, err := r.finishAndStart(ctx, r.fleet.apiURLs, w, 2*time.Minute)
	if err != nil {
		return err
	}
	if err := r.judge(ctx, rep, w, fresh, rep.BuildA, rep.BuildB); err != nil {
		return err
	}
	// A is drained once no pinned run is open on it; then its workers go.
	deadline := time.Now().Add(5 * time.Minute)
	for {
		bs, err := ops.Versions(ctx, r.tc, worker.DeploymentName)
		if err != nil {
			return err
		}
		if b := ops.Find(bs, rep.BuildA); b.Drained() && b.Drainage == "drained" {
			rep.DrainedAfter = time.Since(switched)
			var out bytes.Buffer
			ops.PrintVersions(&out, worker.DeploymentName, bs, time.Now())
			rep.Versions = out.String()
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("build %s not reported drained within 5 minutes: %+v", rep.BuildA, bs)
		}
		time.Sleep(time.Second)
	}
	for _, p := range r.fleet.workers {
		p.stop()
	}
	r.fleet.workers = bWorkers
	r.res.Deploys = append(r.res.Deploys, *rep)
	return r.row(ctx, Row{Phase: "deploy A→B, versioned", Removals: rep.Waiting + rep.New, Kills: "A stopped once drained",
		Outcomes: r.outcomes(ctx, append(w.all(), fresh...)), Took: time.Since(t0), Note: rep.note()}, append(w.all(), fresh...))
}

// deployUnversioned: the same two builds, unversioned, on a task queue and
// an API of their own: B starts, A's workers stop (a rolling deploy), and
// A's waiting removals are driven as above. What fails is what versioning
// prevents.
func (r *rig) deployUnversioned(ctx context.Context) error {
	t0 := time.Now()
	const queue = "channel-removal-unversioned"
	rep := &DeployReport{BuildA: "A (unversioned)", BuildB: "B (unversioned)"}
	env := []string{"WORKER_VERSIONING=false", "TEMPORAL_TASK_QUEUE=" + queue}
	api, err := r.fleet.newAPI(r.o.Binary, "api-unversioned", r.doors[0].srv.URL, env)
	if err != nil {
		return err
	}
	var aWorkers, bWorkers []*process
	for i := 1; i <= 2; i++ {
		a, err := r.fleet.newWorker(r.o.Binary, fmt.Sprintf("worker-ua%d", i), r.doors[i-1].srv.URL, env)
		if err != nil {
			return err
		}
		b, err := r.fleet.newWorker(r.o.BinaryB, fmt.Sprintf("worker-ub%d", i), r.doors[i-1].srv.URL, env)
		if err != nil {
			return err
		}
		aWorkers, bWorkers = append(aWorkers, a), append(bWorkers, b)
	}
	defer func() {
		for _, p := range append(append([]*process{api.proc}, aWorkers...), bWorkers...) {
			p.stop()
		}
	}()
	for _, p := range aWorkers {
		if err := r.fleet.startProcess(ctx, p, queue); err != nil {
			return err
		}
	}
	if err := api.start(ctx); err != nil {
		return err
	}
	apis := []string{api.url, api.url}
	r.logf("deploy, unversioned: removals left waiting on build A (task queue %s)...", queue)
	w, err := r.leaveWaiting(ctx, apis)
	if err != nil {
		return err
	}
	for _, p := range bWorkers {
		if err := r.fleet.startProcess(ctx, p, queue); err != nil {
			return err
		}
	}
	for _, p := range aWorkers {
		p.stop()
	}
	r.logf("  A's workers stopped, B's serve the queue; driving A's waiting removals...")
	// What has not ended in 45 s is stuck: a workflow task that fails for
	// non-determinism is retried for ever, and never succeeds.
	fresh, err := r.finishAndStart(ctx, apis, w, 45*time.Second)
	if err != nil {
		return err
	}
	if err := r.judge(ctx, rep, w, fresh, "", ""); err != nil {
		return err
	}
	for _, ch := range w.all() { // what would wait for a fix forever
		r.tc.TerminateWorkflow(ctx, removalID(ch), "", "rehearsal: the unversioned deploy's contrast is over")
	}
	r.res.Deploys = append(r.res.Deploys, *rep)
	return r.row(ctx, Row{Phase: "deploy A→B, unversioned (contrast)", Removals: rep.Waiting + rep.New, Kills: "A stopped at once",
		Outcomes: r.outcomes(ctx, append(w.all(), fresh...)), Took: time.Since(t0), Note: rep.note(), Contrast: true}, append(w.all(), fresh...))
}

// newBuild waits until a second build of the deployment has polled.
func (r *rig) newBuild(ctx context.Context, old string) (string, error) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		bs, err := ops.Versions(ctx, r.tc, worker.DeploymentName)
		if err == nil {
			for _, b := range bs {
				if b.BuildID != old {
					if b.Routing != "" {
						return "", fmt.Errorf("build %s made itself %s while %s was current", b.BuildID, b.Routing, old)
					}
					return b.BuildID, nil
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	return "", fmt.Errorf("no second build polled within a minute")
}

func (d DeployReport) note() string {
	s := fmt.Sprintf("A's %d waiting: %d finished on A with A's commands, %d ran B's step; new %d: %d on B; %d failed for non-determinism, %d stuck",
		d.Waiting, d.FinishedOnA, d.RanBStep, d.New, d.NewOnB, d.NDE, d.Stuck)
	if d.Versioned {
		s += fmt.Sprintf("; A drained %s after the switch", d.DrainedAfter.Round(time.Second))
	}
	return s
}
