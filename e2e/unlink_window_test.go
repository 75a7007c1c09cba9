package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/workflows"
)

// TestAnUnlinkNobodyRetriesClosesWithItsWindow: a removal whose Meta unlink
// failed for good waits for ops' retry-unlink; when its window closes (4 s
// here: started from Temporal, as ops may, with the input's
// unlink_retry_window) the run ends completed_with_warnings, the failure
// kept and the job's token erased, and the audit trail says so.
func TestAnUnlinkNobodyRetriesClosesWithItsWindow(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "PWIN-"+s.account[:8])
	id := workflows.WorkflowID(ch)
	ctx := context.Background()
	if _, err := s.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: s.queue}, workflows.WorkflowName,
		workflows.Input{ChannelID: ch, RequestedBy: s.admin, UnlinkRetryWindow: workflows.Duration(4 * time.Second)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.tc.TerminateWorkflow(context.Background(), id, "", "test over") })
	s.until(id, "awaiting_acknowledgement")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
	s.graph.FailNext(1, graphsim.Failure{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, string(domain.StatusCompletedWithWarnings))
	s.closed(id)
	r := s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 200, "")
	if r.Body["completed_at"] == nil || r.str("status") != string(domain.StatusCompletedWithWarnings) {
		t.Fatalf("the closed window's removal: %s", r.Raw)
	}
	if mu, _ := r.Body["meta_unlink"].(map[string]any); mu["status"] != string(domain.UnlinkAbandoned) {
		t.Fatalf("meta_unlink once the window closed: %s", r.Raw)
	}
	if trail := s.auditActions(id); !strings.Contains(trail, `"action":"`+string(domain.ActionMetaUnlinkAbandoned)+`"`) {
		t.Fatalf("the audit trail does not say the window closed: %s", trail)
	}
	s.captureHistory(id, "unlink_window_closed.json")
}
