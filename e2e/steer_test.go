package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

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
		// Nothing was removed: the admin may start again.
		s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "")
	}

	ch := s.channel("messenger", "", "PSTEER-unlink-"+s.account[:8])
	id := s.acknowledged(ch)
	s.graph.FailNext(1, graphsim.Failure{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, string(domain.StatusCompletedWithWarnings))
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
}
