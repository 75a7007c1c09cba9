package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/workflows"
)

// Ops press Temporal's buttons (SPEC §9, "Stopping a run from Temporal"):
// here with the SDK's client against the real server, as Temporal Web's
// "Request Cancellation" and `temporal workflow cancel` do.

// cancelFromTemporal requests the cancellation of the workflow's open run and
// waits until the run closed as Canceled.
func (s *stack) cancelFromTemporal(workflowID string) {
	s.t.Helper()
	if err := s.tc.CancelWorkflow(context.Background(), workflowID, ""); err != nil {
		s.t.Fatalf("cancel %s: %v", workflowID, err)
	}
	s.closed(workflowID)
	d, err := s.tc.DescribeWorkflowExecution(context.Background(), workflowID, "")
	if err != nil {
		s.t.Fatal(err)
	}
	if st := d.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED {
		s.t.Fatalf("%s closed %s, want Canceled", workflowID, st)
	}
}

// lastAudit is the removal's last audit record of action, by whom.
func (s *stack) auditBy(id string, action domain.Action) string {
	s.t.Helper()
	trail, err := s.store.AuditTrail(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := len(trail) - 1; i >= 0; i-- {
		if trail[i].Action == string(action) && trail[i].ActorUser != nil {
			return *trail[i].ActorUser
		}
	}
	return ""
}

// TestOpsCancelARemovalAtEachWait: cancelled from Temporal while it waits for
// the alert or for the code, a removal reads cancelled (API and audit trail,
// by ops (Temporal)) and nothing was removed; waiting for retry-unlink, the
// removed channel's removal stays completed_with_warnings and the wait ends
// at once, its Meta job abandoned by ops.
func TestOpsCancelARemovalAtEachWait(t *testing.T) {
	s := newStack(t)
	s.start(true)
	for _, wait := range []domain.Status{domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode} {
		ch := s.channel("messenger", "", "PSTEER-"+string(wait)+"-"+s.account[:8])
		id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
		if wait == domain.StatusAwaitingCode {
			s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
		}
		s.until(id, string(wait))
		s.cancelFromTemporal(id)
		r := s.until(id, string(domain.StatusCancelled))
		if r.str("step") != domain.StepCancelledByTemporal {
			t.Fatalf("%s: step %q", wait, r.str("step"))
		}
		if by := s.auditBy(id, domain.ActionRemovalCancelled); by != domain.ActorOpsTemporal.UserID {
			t.Fatalf("%s: removal_cancelled by %q: %s", wait, by, s.auditActions(id))
		}
		if wait == domain.StatusAwaitingCode {
			s.captureHistory(id, "cancelled_from_temporal.json")
		}
		// Nothing was removed: the admin may start again.
		s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "")
	}

	_, id := s.waitingForRetryUnlink("PSTEER-unlink-")
	s.cancelFromTemporal(id)
	r := s.until(id, string(domain.StatusCompletedWithWarnings))
	if mu, _ := r.Body["meta_unlink"].(map[string]any); r.str("step") != domain.StepUnlinkStoppedByOps || mu["status"] != string(domain.UnlinkAbandoned) {
		t.Fatalf("after the cancellation: %s", r.Raw)
	}
	if by := s.auditBy(id, domain.ActionMetaUnlinkAbandoned); by != domain.ActorOpsTemporal.UserID {
		t.Fatalf("meta_unlink_abandoned by %q: %s", by, s.auditActions(id))
	}
	var tokens int
	if err := s.store.DB().Get(&tokens, `SELECT count(*) FROM meta_unlinks WHERE removal_id = $1 AND access_token IS NOT NULL`, id); err != nil {
		t.Fatal(err)
	}
	if tokens != 0 {
		t.Fatal("the unlink job's token outlived the abandoned unlink")
	}
	s.captureHistory(id, "retry_unlink_wait_cancelled.json")
}

// TestOpsCancelAPendingPurge: a purge waiting for its date, cancelled from
// Temporal, reads cancelled on the channel, audited by ops (Temporal); its
// messages stay. (It used to spin until the deadlock detector failed every
// workflow task, the channel still saying scheduled.)
func TestOpsCancelAPendingPurge(t *testing.T) {
	s := newStack(t)
	s.retentionDay = time.Hour
	s.start(true)
	ch := s.channel("messenger", "", "PSTEER-purge-"+s.account[:8])
	s.conversationsWith(ch, 1)
	id, _ := s.removeChoosing(ch, 30)
	s.purgeStatus(ch, string(domain.RetentionScheduled))
	s.cancelFromTemporal(workflows.PurgeWorkflowID(ch))
	s.purgeStatus(ch, string(domain.RetentionCancelled))
	if by := s.auditBy(id, domain.ActionPurgeCancelled); by != domain.ActorOpsTemporal.UserID {
		t.Fatalf("purge_cancelled by %q: %s", by, s.auditActions(id))
	}
	if n := s.messagesOf(ch); n != len(tricky)+1 {
		t.Fatalf("%d messages left, want all %d", n, len(tricky)+1)
	}
	if !strings.Contains(s.auditActions(id), `"purge_cancelled"`) {
		t.Fatal("the API's audit trail lacks the cancellation")
	}
	s.captureHistory(workflows.PurgeWorkflowID(ch), "purge_cancelled_from_temporal.json")
}

// waitingForRetryUnlink is a Messenger channel whose removal Meta refused for
// good: completed_with_warnings, waiting for retry-unlink.
func (s *stack) waitingForRetryUnlink(prefix string) (ch, id string) {
	s.t.Helper()
	ch = s.channel("messenger", "", prefix+s.account[:8])
	id = s.acknowledged(ch)
	s.graph.FailNext(1, graphsim.Failure{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, string(domain.StatusCompletedWithWarnings))
	return ch, id
}

// runClosed waits until the workflow's run has closed.
func (s *stack) runClosed(id, run string) {
	s.t.Helper()
	s.eventually(func() bool {
		d, err := s.tc.DescribeWorkflowExecution(context.Background(), id, run)
		return err == nil && d.GetWorkflowExecutionInfo().GetCloseTime() != nil
	})
}

// runOf is the removal's latest run id.
func (s *stack) runOf(id string) string {
	s.t.Helper()
	d, err := s.tc.DescribeWorkflowExecution(context.Background(), id, "")
	if err != nil {
		s.t.Fatal(err)
	}
	return d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
}

// TestAHoldLiftedInPostgresAloneLetsThePurgeRun: the API commits a lifted
// hold, then signals; with the signal lost, the held purge still finds the
// hold gone at its next daily reading and purges. Temporal Web lists it by
// PurgeStatus meanwhile.
func TestAHoldLiftedInPostgresAloneLetsThePurgeRun(t *testing.T) {
	s := newStack(t)
	s.retentionDay = 200 * time.Millisecond // 30 days: 6 s
	s.start(true)
	ch := s.channel("messenger", "", "PSTEER-hold-"+s.account[:8])
	s.conversationsWith(ch, 1)
	id, _ := s.removeChoosing(ch, 30)
	s.want(s.do("PUT", "/v1/channels/"+ch+"/hold", s.adminToken, map[string]any{"reason": "Ofício 42"}), 200, "")
	s.purgeStatus(ch, string(domain.RetentionHeld))
	s.eventually(func() bool { // ops find it in Temporal Web
		res, err := s.tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("PurgeStatus = 'held' AND ChannelId = '%s' AND PurgeAt > '2000-01-01T00:00:00Z'", ch)})
		return err == nil && len(res.Executions) == 1
	})
	// Lifted behind the workflow's back: the row alone says so.
	if err := s.store.SetHold(context.Background(), ch, nil, domain.AuditEntry{RemovalID: id, AccountID: s.account, ChannelID: ch,
		Action: domain.ActionHoldReleased, Key: "hold/lost-signal/" + ch}); err != nil {
		t.Fatal(err)
	}
	s.purgeStatus(ch, string(domain.RetentionPurged))
	if n := s.messagesOf(ch); n != 0 {
		t.Fatalf("%d messages left", n)
	}
	if !strings.Contains(s.auditActions(id), `"purge_resumed"`) {
		t.Fatalf("audit lacks purge_resumed: %s", s.auditActions(id))
	}
	s.captureHistory(workflows.PurgeWorkflowID(ch), "purge_hold_lifted_without_signal.json")
}

// resetToFirstTask resets the removal's run to its first workflow task, as
// Temporal Web's Reset ("First Workflow Task") and `temporal workflow reset
// --type FirstWorkflowTask` do, and returns the new run's id.
func (s *stack) resetToFirstTask(id string) string {
	s.t.Helper()
	var first int64
	for _, ev := range s.history(id).Events {
		if ev.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED {
			first = ev.GetEventId()
			break
		}
	}
	res, err := s.tc.ResetWorkflowExecution(context.Background(), &workflowservice.ResetWorkflowExecutionRequest{
		Namespace: "default", WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: s.runOf(id)},
		Reason: "ops pressed Reset", WorkflowTaskFinishEventId: first, RequestId: uuid.NewString()})
	if err != nil {
		s.t.Fatalf("reset %s: %v", id, err)
	}
	return res.GetRunId()
}

// TestAResetNeverUndoesARemoval: a removal that removed its channel, reset
// to its first workflow task (the preflight runs again and finds the channel
// removed), still reads as it was: completed, one removal in the account's
// history, the channel removed, the admins told once. A removal waiting for
// retry-unlink, reset the same way, keeps saying its channel was removed.
// The trail records each reset (removal_reset, by ops (Temporal)).
func TestAResetNeverUndoesARemoval(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("email", "", "")
	id := s.acknowledged(ch)
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, string(domain.StatusCompleted))
	s.closed(id)
	notices := s.notices()[s.adminEmail()]

	s.runClosed(id, s.resetToFirstTask(id)) // the reset run ran its preflight again, and ended
	s.closed(id)
	if r := s.do("GET", "/v1/removals/"+id, s.adminToken, nil); r.str("status") != string(domain.StatusCompleted) {
		t.Fatalf("after the reset the removal reads %s", r.Raw)
	}
	list := s.want(s.do("GET", "/v1/removals", s.adminToken, nil), 200, "")
	if n := strings.Count(list.Raw, `"id":"`+id+`"`); n != 1 {
		t.Fatalf("the account's history lists the removal %d times: %s", n, list.Raw)
	}
	if c, _ := s.store.Channel(context.Background(), ch); c.Status != "removed" {
		t.Fatalf("channel %s", c.Status)
	}
	if n := s.notices()[s.adminEmail()]; n != notices {
		t.Fatalf("admins told %d times after the reset, %d before", n, notices)
	}
	if by := s.auditBy(id, domain.ActionRemovalReset); by != domain.ActorOpsTemporal.UserID {
		t.Fatalf("removal_reset by %q: %s", by, s.auditActions(id))
	}

	_, id2 := s.waitingForRetryUnlink("PRESET-")
	s.runClosed(id2, s.resetToFirstTask(id2))
	if r := s.do("GET", "/v1/removals/"+id2, s.adminToken, nil); r.str("status") != string(domain.StatusCompletedWithWarnings) {
		t.Fatalf("after the reset the removal reads %s", r.Raw)
	}
}

// TestAResetPurgeKeepsItsRecord: a purge that ran, reset to its first
// workflow task, runs again over nothing: the channel still reads purged,
// with one messages_purged record; a pending one, reset, keeps its date.
func TestAResetPurgeKeepsItsRecord(t *testing.T) {
	s := newStack(t)
	s.retentionDay = 100 * time.Millisecond // 30 days: 3 s
	s.start(true)
	ch := s.channel("messenger", "", "PRESET-purge-"+s.account[:8])
	s.conversationsWith(ch, 1)
	id, _ := s.removeChoosing(ch, 30)
	s.purgeStatus(ch, string(domain.RetentionPurged))
	pid := workflows.PurgeWorkflowID(ch)
	s.closed(pid)
	before := s.purgeStatus(ch, string(domain.RetentionPurged))

	s.runClosed(pid, s.resetToFirstTask(pid))
	after := s.purgeStatus(ch, string(domain.RetentionPurged))
	if after["purged_messages"] != before["purged_messages"] {
		t.Fatalf("purged messages %v before the reset, %v after", before["purged_messages"], after["purged_messages"])
	}
	if n := strings.Count(s.auditActions(id), `"messages_purged"`); n != 1 {
		t.Fatalf("%d messages_purged records: %s", n, s.auditActions(id))
	}

	ch2 := s.channel("messenger", "", "PRESET-pending-"+s.account[:8])
	s.conversationsWith(ch2, 1)
	s.removeChoosing(ch2, 180) // 18 s ahead
	pending := s.purgeStatus(ch2, string(domain.RetentionScheduled))
	s.resetToFirstTask(workflows.PurgeWorkflowID(ch2))
	if again := s.purgeStatus(ch2, string(domain.RetentionScheduled)); again["purge_at"] != pending["purge_at"] {
		t.Fatalf("purge_at %v before the reset, %v after", pending["purge_at"], again["purge_at"])
	}
}
