package e2e

import (
	"context"
	"testing"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
)

// The reconciler follows a reset: a removal's row names its first run, which
// a reset terminates, naming the run that goes on.

// TestAResetRemovalIsReconciledByTheRunThatWentOn: a removal waiting for
// retry-unlink, reset to its first task, ends in a reset run that rejects
// the removed channel and closes; the reconciler settles the row by that run
// (completed_with_warnings, the Meta job abandoned and its token erased),
// where it used to leave it open for ever. A removal reset at its code and
// then terminated is reconciled cancelled.
func TestAResetRemovalIsReconciledByTheRunThatWentOn(t *testing.T) {
	s := newStack(t)
	s.start(true)
	_, id := s.waitingForRetryUnlink("PRECON-")
	first := s.runOf(id)
	s.resetToFirstTask(id)
	s.closed(id)
	if got := s.reconciledTo(id); got != string(domain.StatusCompletedWithWarnings) {
		t.Fatalf("the reconciler left the reset removal alone (%q)", got)
	}
	if r := s.do("GET", "/v1/removals/"+id, s.adminToken, nil); r.Body["completed_at"] == nil {
		t.Fatalf("the removal still waits for a retry nobody can make: %s", r.Raw)
	}
	if u, _, _ := s.store.UnlinkJob(context.Background(), id, first); u.AccessToken != "" || u.Status != domain.UnlinkAbandoned {
		t.Fatalf("Meta job %s, token kept: %v", u.Status, u.AccessToken != "")
	}

	ch2 := s.channel("messenger", "", "PRECON2-"+s.account[:8])
	id2 := s.acknowledged(ch2)
	s.resetToFirstTask(id2)
	s.terminateRun(id2)
	if got := s.reconcileOnce()[id2]; got != string(domain.StatusCancelled) {
		t.Fatalf("a reset run terminated was reconciled %q", got)
	}
}

// TestATerminateAfterTheTombstoneStillTellsTheAdmins: terminated during
// Meta's automatic attempts, before the run told the admins, a removal is
// reconciled completed_with_warnings and every admin is told once: a
// terminate must not skip the control against a stolen session.
func TestATerminateAfterTheTombstoneStillTellsTheAdmins(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "PRECON3-"+s.account[:8])
	id := s.acknowledged(ch)
	s.graph.FailNext(8, graphsim.Failure{HTTPStatus: 500, Code: 1, Message: "An unknown error occurred"})
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.eventually(func() bool {
		c, _ := s.store.Channel(context.Background(), ch)
		return c.Status == "removed"
	})
	s.terminateRun(id)
	if n := s.notices()[s.adminEmail()]; n != 0 {
		t.Fatalf("the admins were told before the terminate (%d): the test proves nothing", n)
	}
	if got := s.reconciledTo(id); got != string(domain.StatusCompletedWithWarnings) {
		t.Fatalf("reconciled %q", got)
	}
	s.eventually(func() bool { return s.notices()[s.adminEmail()] == 1 })
	s.reconcileOnce() // a second pass starts no second notice
	if n := s.notices()[s.adminEmail()]; n != 1 {
		t.Fatalf("admins told %d times", n)
	}
}
