package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/ops"
)

// TestOpsRetryUnlinksAll: three removals end in completed_with_warnings (Meta
// refuses the token); `ops retry-unlinks --all` signals the three, says so, and
// reports each completed.
func TestOpsRetryUnlinksAll(t *testing.T) {
	s := newStack(t)
	s.start(true)
	var ids []string
	for _, page := range []string{"P1", "P2", "P3"} {
		ch := s.channel("messenger", "", page+"-"+s.account[:8])
		id := s.acknowledged(ch)
		s.graph.FailNext(1, graphsim.Failure{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
		s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
		s.until(id, "completed_with_warnings")
		ids = append(ids, id)
	}
	ctx := context.Background()
	f := ops.Filter{AccountID: s.account}
	s.eventually(func() bool { // visibility catches up with the search attribute
		rs, err := ops.List(ctx, s.tc, ops.Filter{AccountID: s.account, Status: "completed_with_warnings"})
		return err == nil && len(rs) == 3
	})
	var list bytes.Buffer
	rs, err := ops.List(ctx, s.tc, f)
	if err != nil {
		t.Fatal(err)
	}
	ops.PrintList(&list, rs, time.Now())
	if !strings.Contains(list.String(), "Canal messengerP1-") || !strings.Contains(list.String(), "token de acesso inválido ou expirado (HTTP 401, código 190)") {
		t.Fatalf("ops list:\n%s", list.String())
	}
	t.Logf("ops list:\n%s", list.String())

	var out bytes.Buffer
	job, outcomes, err := ops.RetryUnlinks(ctx, s.tc, "default", f, "ops:test", time.Minute, &out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("ops retry-unlinks --all:\n%s", out.String())
	if !strings.Contains(out.String(), "batch job "+job+": retry-unlink to 3 removal(s)") || len(outcomes) != 3 {
		t.Fatalf("ops retry-unlinks:\n%s", out.String())
	}
	// One server-side batch operation signalled the three, not a client loop.
	batch, err := s.tc.WorkflowService().DescribeBatchOperation(ctx, &workflowservice.DescribeBatchOperationRequest{Namespace: "default", JobId: job})
	if err != nil || batch.GetState() != enumspb.BATCH_OPERATION_STATE_COMPLETED || batch.GetCompleteOperationCount() != 3 {
		t.Fatalf("batch job %s: %v %v", job, batch, err)
	}
	for _, o := range outcomes {
		if o.Err != nil || o.Status != "completed" {
			t.Fatalf("outcome %+v\n%s", o, out.String())
		}
	}
	for _, id := range ids {
		s.until(id, "completed")
	}
}
