package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/crm/channel-removal/ops"
	"github.com/crm/channel-removal/worker"
)

// TestRemovalsStayOnTheBuildThatStartedThem: a removal waiting for its code
// on build A is finished by A after build B starts and is made current; a
// removal started afterwards runs on B; `ops versions` shows A draining
// while its removal is open, then drained. The server is the test's own: the
// deployment's routing is the server's, not the task queue's.
func TestRemovalsStayOnTheBuildThatStartedThem(t *testing.T) {
	s := newStack(t)
	s.ownTemporal()
	s.version = worker.Version{BuildID: "e2e-a", Promote: worker.PromoteFirstDeploy}
	s.start(true)
	ctx := context.Background()
	waiting := s.acknowledged(s.channel("messenger", "", "PA-"+s.account[:8]))
	codes := map[string]string{waiting: s.lastCode()}

	// Build B: a second worker, as the next deploy starts it; it does not
	// make itself current, ops do.
	s.version = worker.Version{BuildID: "e2e-b", Promote: worker.PromoteFirstDeploy}
	a := s.w
	s.startWorker()
	t.Cleanup(a.Stop)
	if got := s.routing(ctx); got["e2e-a"] != "current" || got["e2e-b"] != "" {
		t.Fatalf("before the switch: %v", got)
	}
	// As ops do (`ops promote`): once B polls every task queue A polls, and
	// until the test's queue routes to B.
	if err := worker.Promote(ctx, s.tc, worker.PromoteOptions{BuildID: "e2e-b", Wait: time.Minute}); err != nil {
		t.Fatal(err)
	}
	fresh := s.acknowledged(s.channel("messenger", "", "PB-"+s.account[:8]))
	codes[fresh] = s.lastCode()
	if a, b := s.builds(waiting), s.builds(fresh); a != "e2e-a" || b != "e2e-b" {
		t.Fatalf("before the code: the waiting removal ran on %s, the new one on %s", a, b)
	}
	var out bytes.Buffer
	within(t, time.Minute, func() bool { // visibility follows the runs' builds a moment later
		bs, err := ops.Versions(ctx, s.tc, worker.DeploymentName)
		out.Reset()
		ops.PrintVersions(&out, worker.DeploymentName, bs, time.Now())
		return err == nil && ops.Find(bs, "e2e-a").OpenRemovals == 1 && ops.Find(bs, "e2e-b").OpenRemovals == 1
	}, &out)
	t.Logf("ops versions, both removals waiting:\n%s", out.String())
	if build := ops.Find(mustVersions(t, s), "e2e-a"); build.Drained() || build.Routing != "" {
		t.Fatalf("A with a removal open: %+v", build)
	}

	for _, id := range []string{waiting, fresh} {
		s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": codes[id]}), 200, "")
		s.until(id, "completed")
	}
	if got := s.builds(waiting); got != "e2e-a" {
		t.Errorf("the removal started on A ran its workflow tasks on %s", got)
	}
	if got := s.builds(fresh); got != "e2e-b" {
		t.Errorf("the removal started after the switch ran its workflow tasks on %s", got)
	}
	within(t, time.Minute, func() bool { return ops.Find(mustVersions(t, s), "e2e-a").Drained() }, nil)
	out.Reset()
	ops.PrintVersions(&out, worker.DeploymentName, mustVersions(t, s), time.Now())
	t.Logf("ops versions, once A's removal ended:\n%s", out.String())
	if !strings.Contains(out.String(), "drained") {
		t.Errorf("ops versions does not say A is drained:\n%s", out.String())
	}
}

func mustVersions(t *testing.T, s *stack) []ops.Build {
	t.Helper()
	bs, err := ops.Versions(context.Background(), s.tc, worker.DeploymentName)
	if err != nil {
		t.Fatal(err)
	}
	return bs
}

func (s *stack) routing(ctx context.Context) map[string]string {
	s.t.Helper()
	out := map[string]string{}
	for _, b := range mustVersions(s.t, s) {
		out[b.BuildID] = b.Routing
	}
	return out
}

// builds lists the builds that completed the run's workflow tasks, as its
// history records them (Temporal Web shows the same on each task).
func (s *stack) builds(id string) string {
	s.t.Helper()
	seen := map[string]bool{}
	var out []string
	for _, ev := range s.history(id).Events {
		if ev.EventType != enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			continue
		}
		a := ev.GetWorkflowTaskCompletedEventAttributes()
		b := a.GetDeploymentVersion().GetBuildId()
		if b == "" {
			b = "unversioned"
		}
		if !seen[b] {
			seen[b] = true
			out = append(out, b)
		}
	}
	return strings.Join(out, ",")
}

// within waits up to limit for f, then fails with what last says.
func within(t *testing.T, limit time.Duration, f func() bool, last *bytes.Buffer) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !f() {
		if time.Now().After(deadline) {
			if last != nil {
				t.Fatalf("not within %s; last:\n%s", limit, last.String())
			}
			t.Fatalf("not within %s", limit)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
