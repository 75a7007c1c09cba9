package rehearsal

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/proto"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
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

// waiting is build A's removals left waiting, by where they wait.
type waiting struct{ atAlert, atCode, warned []channel }

func (w waiting) all() []channel {
	return append(append(append([]channel{}, w.atAlert...), w.atCode...), w.warned...)
}

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

// leaveWaiting leaves Deploy removals at the alert, Deploy at the code and
// Deploy in completed_with_warnings (their token revoked).
func (r *rig) leaveWaiting(ctx context.Context, apis []string) (waiting, error) {
	k := r.o.Deploy
	w := waiting{atAlert: r.take(k), atCode: r.take(k), warned: r.take(k)}
	for _, ch := range w.atAlert {
		if st, d, err := r.admin.do(ctx, apis[0], bearer, "POST", "/v1/channels/"+ch.id+"/removals", nil); err != nil || st != http.StatusCreated {
			return w, fmt.Errorf("start %s: %d %s %v", ch.name, st, d.Detail, err)
		}
	}
	for _, ch := range w.atCode {
		if _, err := r.awaitingCodeOn(ctx, apis[0], ch); err != nil {
			return w, err
		}
	}
	for _, ch := range w.warned {
		r.graph.FailObject(ch.waba, graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 190, Message: "Error validating access token: The session has been invalidated."})
	}
	out, _, err := many(w.warned, r.o.Concurrency, func(i int, ch channel) (string, error) {
		return r.admin.removal(ctx, apis, ch, 0, 1, bearer)
	})
	if err != nil || out["completed_with_warnings"] != k {
		return w, fmt.Errorf("want %d removals in completed_with_warnings: %v %v", k, out, err)
	}
	return w, nil
}

// finishAndStart drives w's removals to their end (acknowledge and code,
// code, the Meta token fixed and retry-unlink), then starts and completes
// Deploy new removals. A removal that does not end within patience is left
// to judge.
func (r *rig) finishAndStart(ctx context.Context, apis []string, w waiting, patience time.Duration) ([]channel, error) {
	limit, cancel := context.WithTimeout(ctx, patience)
	defer cancel()
	_, _, _ = many(w.atAlert, r.o.Concurrency, func(i int, ch channel) (string, error) {
		id := removalID(ch)
		if st, d, err := r.admin.do(limit, apis[1], bearer, "POST", "/v1/removals/"+id+"/acknowledge", map[string]any{"acknowledged": true}); err != nil || st != http.StatusOK {
			return "", fmt.Errorf("acknowledge: %d %s %v", st, d.Detail, err)
		}
		return r.verify(limit, apis[1], ch)
	})
	_, _, _ = many(w.atCode, r.o.Concurrency, func(i int, ch channel) (string, error) { return r.verify(limit, apis[1], ch) })
	r.graph.ClearFailures()
	for _, ch := range w.warned {
		// The signal alone, as `ops retry-unlinks` sends it.
		r.tc.SignalWorkflow(limit, removalID(ch), "", workflows.SignalRetryUnlink, workflows.ActorRequest{Actor: domain.Actor{UserID: "ops:rehearsal"}})
	}
	fresh := r.take(r.o.Deploy)
	_, _, err := many(fresh, r.o.Concurrency, func(i int, ch channel) (string, error) {
		return r.admin.removal(ctx, apis, ch, 0, 1, bearer)
	})
	if err != nil {
		return fresh, fmt.Errorf("new removals after the deploy: %w", err)
	}
	for _, ch := range w.all() { // wait (bounded) for each to close
		r.closed(limit, removalID(ch))
	}
	// A settled removal closes after its admins' notice.
	closing, cancelClosing := context.WithTimeout(ctx, 2*time.Minute)
	defer cancelClosing()
	for _, ch := range fresh {
		r.closed(closing, removalID(ch))
	}
	return fresh, nil
}

func (r *rig) verify(ctx context.Context, api string, ch channel) (string, error) {
	code, err := r.admin.code(ctx, ch.name)
	if err != nil {
		return "", err
	}
	st, d, err := r.admin.do(ctx, api, bearer, "POST", "/v1/removals/"+removalID(ch)+"/verify", map[string]any{"code": code})
	if err != nil || st != http.StatusOK {
		return "", fmt.Errorf("verify: %d %s %v", st, d.Detail, err)
	}
	return r.admin.settle(ctx, api, bearer, removalID(ch), d.Status)
}

func (r *rig) awaitingCodeOn(ctx context.Context, api string, ch channel) (string, error) {
	st, d, err := r.admin.do(ctx, api, bearer, "POST", "/v1/channels/"+ch.id+"/removals", nil)
	if err != nil || st != http.StatusCreated {
		return "", fmt.Errorf("start %s: %d %s %v", ch.name, st, d.Detail, err)
	}
	if st, d, err = r.admin.do(ctx, api, bearer, "POST", "/v1/removals/"+d.ID+"/acknowledge", map[string]any{"acknowledged": true}); err != nil || st != http.StatusOK {
		return "", fmt.Errorf("acknowledge %s: %d %s %v", ch.name, st, d.Detail, err)
	}
	return d.ID, nil
}

// closed waits until the run is closed or ctx ends.
func (r *rig) closed(ctx context.Context, id string) {
	for {
		d, err := r.tc.DescribeWorkflowExecution(ctx, id, "")
		if err == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// judge reads every run's history: which builds ran its workflow tasks,
// whether B's step is in it, whether a task failed for non-determinism,
// whether it completed.
func (r *rig) judge(ctx context.Context, rep *DeployReport, w waiting, fresh []channel, buildA, buildB string) error {
	rep.Waiting, rep.New = len(w.all()), len(fresh)
	for i, ch := range append(w.all(), fresh...) {
		h, err := r.historyOf(ctx, removalID(ch))
		if err != nil {
			return err
		}
		builds, bStep, nde, completed := readHistory(h)
		if nde {
			rep.NDE++
		}
		if !completed {
			rep.Stuck++
		}
		isA := i < rep.Waiting
		switch {
		case isA && bStep:
			rep.RanBStep++
		case isA && completed && (buildA == "" || builds == buildA):
			rep.FinishedOnA++
		case !isA && completed && bStep && (buildB == "" || builds == buildB):
			rep.NewOnB++
		}
	}
	return nil
}

func (r *rig) historyOf(ctx context.Context, id string) (*historypb.History, error) {
	it := r.tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, err
		}
		h.Events = append(h.Events, e)
	}
	// Its markers and failures are encrypted: read them as they were.
	return h, r.codec.DecodeInPlace(ctx, h)
}

// readHistory: the builds that completed the run's workflow tasks (comma
// separated, in order), B's step, a task failed for non-determinism, the
// run completed.
func readHistory(h *historypb.History) (builds string, bStep, nde, completed bool) {
	var seen []string
	for _, e := range h.Events {
		switch e.EventType {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			b := e.GetWorkflowTaskCompletedEventAttributes().GetDeploymentVersion().GetBuildId()
			if len(seen) == 0 || seen[len(seen)-1] != b {
				seen = append(seen, b)
			}
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			raw, _ := proto.Marshal(e)
			bStep = bStep || bytes.Contains(raw, []byte(nextBuildMarker))
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED:
			a := e.GetWorkflowTaskFailedEventAttributes()
			nde = nde || a.GetCause() == enumspb.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR ||
				strings.Contains(strings.ToLower(a.GetFailure().GetMessage()), "nondeterministic")
		case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
			completed = true
		}
	}
	return strings.Join(seen, ","), bStep, nde, completed
}

// outcomes reads each removal's status from Temporal (a run stuck on a
// failing workflow task still says where it stopped).
func (r *rig) outcomes(ctx context.Context, chs []channel) map[string]int {
	out := map[string]int{}
	for _, ch := range chs {
		d, err := r.tc.DescribeWorkflowExecution(ctx, removalID(ch), "")
		switch {
		case err != nil:
			out["error"]++
		case d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED:
			var doc struct {
				Status string `json:"status"`
			}
			if err := r.tc.GetWorkflow(ctx, removalID(ch), "").Get(ctx, &doc); err != nil {
				out["error"]++
			} else {
				out[doc.Status]++
			}
		default:
			out["stuck"]++
		}
	}
	return out
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
