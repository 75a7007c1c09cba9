package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// Terminate (Temporal Web's button, `temporal workflow terminate`) runs no
// code of the run: the reconciler (app/reconcile.go) ends the record the run
// left. Here the SDK's client terminates runs on the real server, and the
// reconciler runs once, as the worker runs it every minute.

// terminateRun terminates the workflow's open run and checks Temporal says so.
func (s *stack) terminateRun(workflowID string) {
	s.t.Helper()
	ctx := context.Background()
	if err := s.tc.TerminateWorkflow(ctx, workflowID, "", "ops stopped it from Temporal"); err != nil {
		s.t.Fatalf("terminate %s: %v", workflowID, err)
	}
	d, err := s.tc.DescribeWorkflowExecution(ctx, workflowID, "")
	if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
		s.t.Fatalf("%s after terminate: %v %v", workflowID, d.GetWorkflowExecutionInfo().GetStatus(), err)
	}
}

// reconcileOnce runs one pass of the worker's reconciler over the stack's
// database, with no grace period (the rows were just written), and returns
// what it changed by workflow id.
func (s *stack) reconcileOnce() map[string]string {
	s.t.Helper()
	r := app.Reconciler{Store: s.store, Temporal: s.tc, Notices: app.ClientNotices{Client: s.tc, TaskQueue: s.queue}, Log: quietLog(),
		Carriers: s.tc, TaskQueue: s.queue, Namespace: "default",
		Config: app.ReconcileConfig{DescribeTimeout: 5 * time.Second, Page: app.DefaultReconcile.Page}}
	rep, err := r.Once(context.Background())
	if err != nil || rep.Failed > 0 {
		s.t.Fatalf("reconcile: %+v %v", rep, err)
	}
	changed := map[string]string{}
	for _, c := range rep.Changed {
		changed[c.ID] = c.To
	}
	return changed
}

// reconciledTo passes the reconciler over the stack until it ends id's
// record, and says to what. A terminated run's activity attempt in flight
// (a Meta call failing) may still write the row after a pass read it: that
// pass loses its compare-and-set and the next one settles it, as the
// worker's pass a minute later does in production.
func (s *stack) reconciledTo(id string) string {
	s.t.Helper()
	var to string
	s.eventually(func() bool {
		to = s.reconcileOnce()[id]
		return to != ""
	})
	return to
}

// reconciledBy is the actor of the removal's record of action ("" when none).
func (s *stack) reconciledBy(id string, action domain.Action) string {
	s.t.Helper()
	entries, _ := s.want(s.do("GET", "/v1/removals/"+id+"/audit", s.adminToken, nil), 200, "").Body["entries"].([]any)
	for _, e := range entries {
		if m, _ := e.(map[string]any); m["action"] == string(action) {
			by, _ := m["actor_user_id"].(string)
			return by
		}
	}
	return ""
}

// TestATerminatedRemovalAndPurgeAreReconciled: a removal terminated while it
// waits for the code reads cancelled once the reconciler ran (API, audit
// trail by ops (Temporal)), and nothing was removed; a removal still running
// is left as it is. A scheduled purge terminated reads cancelled on the
// channel, by ops (Temporal), and no message was deleted.
func TestATerminatedRemovalAndPurgeAreReconciled(t *testing.T) {
	s := newStack(t)
	s.start(true)

	ch := s.channel("messenger", "", "PRECON-"+s.account[:8])
	id := s.acknowledged(ch)
	s.until(id, string(domain.StatusAwaitingCode))
	running := s.want(s.do("POST", "/v1/channels/"+s.channel("email", "", "")+"/removals", s.adminToken, nil), 201, "").str("id")
	s.terminateRun(id)
	if changed := s.reconcileOnce(); changed[id] != string(domain.StatusCancelled) || changed[running] != "" {
		t.Fatalf("the reconciler changed %v; want %s cancelled and the running %s left alone", changed, id, running)
	}
	r := s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 200, "")
	if r.str("status") != string(domain.StatusCancelled) || r.Body["completed_at"] == nil ||
		!strings.Contains(r.str("step"), "Interrompida no Temporal") || !strings.Contains(r.str("step"), "terminate") {
		t.Fatalf("the terminated removal reads: %s", r.Raw)
	}
	if by := s.reconciledBy(id, domain.ActionRemovalCancelled); by != domain.ActorOpsTemporal.UserID {
		t.Fatalf("removal_cancelled by %q: %s", by, s.auditActions(id))
	}
	if c := s.want(s.do("GET", "/v1/channels/"+ch, s.adminToken, nil), 200, ""); c.str("status") != domain.ChannelActive {
		t.Fatalf("the channel of a removal terminated at the code: %s", c.Raw)
	}
	if r := s.want(s.do("GET", "/v1/removals/"+running, s.adminToken, nil), 200, ""); r.str("status") != string(domain.StatusAwaitingAcknowledgement) {
		t.Fatalf("the running removal was moved: %s", r.Raw)
	}

	// A scheduled purge, terminated.
	purged := s.channel("messenger", "", "PRECON-P-"+s.account[:8])
	s.conversationsWith(purged, 1)
	removal, _ := s.removeChoosing(purged, 30)
	s.purgeStatus(purged, string(domain.RetentionScheduled))
	s.terminateRun(workflows.PurgeWorkflowID(purged))
	if changed := s.reconcileOnce(); changed[workflows.PurgeWorkflowID(purged)] != string(domain.RetentionCancelled) || changed[removal] != "" {
		t.Fatalf("the reconciler changed %v; want the purge cancelled and the completed removal left alone", changed)
	}
	page := s.want(s.do("GET", "/v1/channels/"+purged, s.adminToken, nil), 200, "")
	if rt := retention(page); rt["status"] != string(domain.RetentionCancelled) {
		t.Fatalf("the channel's purge after the terminate: %s", page.Raw)
	}
	if by := s.reconciledBy(removal, domain.ActionPurgeCancelled); by != domain.ActorOpsTemporal.UserID {
		t.Fatalf("purge_cancelled by %q: %s", by, s.auditActions(removal))
	}
	if s.messagesOf(purged) != len(tricky)+1 {
		t.Fatal("a terminated purge's messages were deleted")
	}
	if again := s.reconcileOnce(); len(again) != 0 {
		t.Fatalf("a second pass changed %v", again)
	}
}
