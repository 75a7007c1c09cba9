package app_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// stoppedNotice is a Temporal holding one notice whose latest run was
// terminated at closedAt; it records the restarts asked of it.
type stoppedNotice struct {
	id       string
	closedAt time.Time
	mu       sync.Mutex
	starts   int
	memo     *commonpb.Memo // the latest run's, as its start set it
}

// startCounter is the gRPC service's one call the restart makes.
type startCounter struct {
	workflowservice.WorkflowServiceClient // only StartWorkflowExecution is called
	n                                     *stoppedNotice
}

func (n *stoppedNotice) info() *workflowpb.WorkflowExecutionInfo {
	return &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: n.id, RunId: "closed-run"},
		Type: &commonpb.WorkflowType{Name: workflows.NoticeWorkflowName}, Status: enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED,
		CloseTime: timestamppb.New(n.closedAt)}
}

func (n *stoppedNotice) ListWorkflow(context.Context, *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
	return &workflowservice.ListWorkflowExecutionsResponse{Executions: []*workflowpb.WorkflowExecutionInfo{n.info()}}, nil
}

func (n *stoppedNotice) DescribeWorkflowExecution(context.Context, string, string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	return &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: n.info()}, nil
}

func (n *stoppedNotice) GetWorkflowHistory(context.Context, string, string, bool, enumspb.HistoryEventFilterType) client.HistoryEventIterator {
	return &startOnly{memo: n.memo}
}

func (n *stoppedNotice) WorkflowService() workflowservice.WorkflowServiceClient {
	return startCounter{n: n}
}

func (s startCounter) StartWorkflowExecution(_ context.Context, req *workflowservice.StartWorkflowExecutionRequest, _ ...grpc.CallOption) (*workflowservice.StartWorkflowExecutionResponse, error) {
	n := s.n
	n.mu.Lock()
	defer n.mu.Unlock()
	n.starts++
	n.memo = req.GetMemo()
	return &workflowservice.StartWorkflowExecutionResponse{RunId: "restarted"}, nil
}

// startOnly is a history of its start event alone.
type startOnly struct {
	read bool
	memo *commonpb.Memo
}

func (h *startOnly) HasNext() bool { return !h.read }
func (h *startOnly) Next() (*historypb.HistoryEvent, error) {
	h.read = true
	return &historypb.HistoryEvent{EventType: enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
		Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			WorkflowType: &commonpb.WorkflowType{Name: workflows.NoticeWorkflowName}, Memo: h.memo}}}, nil
}

// TestATerminatedNoticeIsRestartedOnlyOnceItsAttemptInFlightEnded: Temporal
// does not stop a terminated notice's NotifyAdmins in flight; its worker
// goes on e-mailing the admins it has not marked until the attempt's own
// deadline (2 minutes). A restart in that window runs a second NotifyAdmins
// beside it, which finds those admins unmarked and e-mails them again. The
// worker's reconciler (DefaultReconcile), passing every minute, so leaves a
// notice terminated seconds ago for a later pass, and restarts it, once,
// when the attempt can no longer be running.
func TestATerminatedNoticeIsRestartedOnlyOnceItsAttemptInFlightEnded(t *testing.T) {
	_, db := testdb.New(t)
	tc := &stoppedNotice{id: "notice-admins-just-terminated", closedAt: time.Now().Add(-5 * time.Second)}
	r := app.Reconciler{Store: postgres.New(db), Temporal: tc, Carriers: tc, TaskQueue: "q-" + t.Name(), Namespace: "default",
		Log: slog.New(slog.DiscardHandler), Config: app.DefaultReconcile}
	for range 3 { // passes while the terminated run's attempt may still be sending
		if rep, err := r.Once(context.Background()); err != nil || rep.Failed > 0 || len(rep.Changed) != 0 {
			t.Fatalf("a pass over a notice terminated 5 s ago: %+v %v", rep, err)
		}
	}
	if tc.starts != 0 {
		t.Fatalf("restarted %d times while the closed run's attempt may still be e-mailing the admins", tc.starts)
	}
	tc.closedAt = time.Now().Add(-app.DefaultReconcile.CarrierGrace - time.Second)
	rep, err := r.Once(context.Background())
	if err != nil || len(rep.Changed) != 1 || rep.Changed[0].To != app.Restarted || tc.starts != 1 {
		t.Fatalf("a pass once the attempt has ended: %+v %v (starts %d)", rep, err, tc.starts)
	}
}

// TestACarrierStoppedAgainAndAgainIsRestartedAFewTimesThenLeftToOps: a
// notice whose every run closes without its code (ops terminating it again
// and again, or an input that fails each run: a delivery's refusal no retry
// mends) was restarted at every pass, for good: each restart's close moved
// the lookback on. The restarts are counted in the runs' memo; past
// MaxCarrierRestarts the carrier is left to ops.
func TestACarrierStoppedAgainAndAgainIsRestartedAFewTimesThenLeftToOps(t *testing.T) {
	_, db := testdb.New(t)
	tc := &stoppedNotice{id: "notice-admins-terminated-again", memo: &commonpb.Memo{Fields: map[string]*commonpb.Payload{}}}
	r := app.Reconciler{Store: postgres.New(db), Temporal: tc, Carriers: tc, TaskQueue: "q-" + t.Name(), Namespace: "default",
		Log: slog.New(slog.DiscardHandler), Config: app.DefaultReconcile}
	for pass := 1; pass <= 2*app.MaxCarrierRestarts; pass++ {
		tc.closedAt = time.Now().Add(-time.Hour) // the restarted run was stopped again
		if _, err := r.Once(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if tc.starts != app.MaxCarrierRestarts {
		t.Fatalf("restarted %d times over %d passes; want %d, then left to ops", tc.starts, 2*app.MaxCarrierRestarts, app.MaxCarrierRestarts)
	}
}
