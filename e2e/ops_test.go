package e2e

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"google.golang.org/grpc"

	"github.com/crm/channel-removal/app"
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

	// The batch is handed the runs the command listed, never the query: a
	// second reading of lagging visibility could signal a removal the
	// command does not report.
	var started []*workflowservice.StartBatchOperationRequest
	seen := grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if r, ok := req.(*workflowservice.StartBatchOperationRequest); ok {
			started = append(started, r)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	})
	opts := client.Options{HostPort: s.addr, Logger: sdklog.NewStructuredLogger(quietLog()),
		ConnectionOptions: client.ConnectionOptions{DialOptions: []grpc.DialOption{seen}}}
	app.DevCodec.Apply(&opts) // ops' client encrypts as the processes do
	tc, err := client.Dial(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	var out bytes.Buffer
	job, outcomes, err := ops.RetryUnlinks(ctx, tc, app.DevCodec.DataConverter(), "default", f, "ops:test", time.Minute, &out)
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
	if len(started) != 1 || started[0].GetVisibilityQuery() != "" {
		t.Fatalf("batch requests: %v", started)
	}
	signalled := map[string]bool{}
	for _, e := range started[0].GetExecutions() {
		signalled[e.GetWorkflowId()+"/"+e.GetRunId()] = true
	}
	for _, o := range outcomes {
		if !signalled[o.ID+"/"+o.RunID] {
			t.Errorf("reported %s/%s was not among the runs signalled: %v", o.ID, o.RunID, started[0].GetExecutions())
		}
	}
	if len(signalled) != len(outcomes) {
		t.Errorf("%d runs signalled, %d reported", len(signalled), len(outcomes))
	}
	for _, id := range ids {
		s.until(id, "completed")
	}
}
