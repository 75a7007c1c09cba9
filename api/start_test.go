package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	historypb "go.temporal.io/api/history/v1"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// runs is the read model as Start sees it: a row appears when the test says.
type runs struct {
	mu    sync.Mutex
	row   map[string]domain.RemovalRecord
	reads int
}

func (r *runs) RemovalRun(_ context.Context, removalID, runID string) (domain.RemovalRecord, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reads++
	if rec, ok := r.row[removalID+" "+runID]; ok {
		return rec, nil
	}
	return domain.RemovalRecord{}, domain.Errorf(domain.CodeNotFound, "no row")
}

func (r *runs) write(rec domain.RemovalRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.row[rec.RemovalID+" "+rec.RunID] = rec
}

// watcher wakes the start when the test writes a row.
type watcher struct{ woken chan domain.RunAnnouncement }

func (w watcher) Watch(string) (<-chan domain.RunAnnouncement, func()) { return w.woken, func() {} }

const channelID = "11111111-2222-4333-8444-555555555555"

func started(c *mocks.Client, runID string) {
	run := &mocks.WorkflowRun{}
	run.On("GetRunID").Return(runID)
	run.On("GetID").Return(workflows.WorkflowID(channelID))
	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.WorkflowName, mock.Anything).Return(run, nil).Once()
	recordedAs(c, runID)
}

// recordedAs has the run's history, which the start long-polls once it has the
// preflight's row, show these events of its first workflow task.
func recordedAs(c *mocks.Client, runID string, events ...enumspb.EventType) {
	if len(events) == 0 {
		events = []enumspb.EventType{enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED}
	}
	it := &mocks.HistoryEventIterator{}
	for _, e := range events {
		it.On("HasNext").Return(true).Once()
		it.On("Next").Return(&historypb.HistoryEvent{EventType: e}, nil).Once()
	}
	c.On("GetWorkflowHistory", mock.Anything, workflows.WorkflowID(channelID), runID, true, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT).Return(it).Maybe()
}

// The answer is the preflight's row in the read model, read when its NOTIFY
// wakes the start: no Temporal call after the start.
func TestStartAnswersFromThePreflightsRow(t *testing.T) {
	c := &mocks.Client{}
	started(c, "run-1")
	rs, w := &runs{row: map[string]domain.RemovalRecord{}}, watcher{woken: make(chan domain.RunAnnouncement, 1)}
	go func() {
		time.Sleep(50 * time.Millisecond)
		rs.write(domain.RemovalRecord{RemovalID: workflows.WorkflowID(channelID), RunID: "run-1", ChannelID: channelID,
			Status: string(domain.StatusAwaitingAcknowledgement), Doc: json.RawMessage(`{"attempts_left":5}`)})
		w.woken <- domain.RunAnnouncement{RunID: "run-1"} // a row too long to travel with it
	}()
	r := api.TemporalRemovals{Client: c, Runs: rs, Changes: w}
	t0 := time.Now()
	doc, err := r.Start(context.Background(), "acc", workflows.Input{ChannelID: channelID})
	if err != nil || doc.Status != domain.StatusAwaitingAcknowledgement || doc.RunID != "run-1" || doc.AttemptsLeft != 5 {
		t.Fatalf("%+v %v", doc, err)
	}
	if took := time.Since(t0); took > 900*time.Millisecond {
		t.Fatalf("woken after %s: the NOTIFY did not wake the start", took)
	}
	c.AssertExpectations(t) // no Describe, no GetWorkflow: the status query only
	o := c.Calls[0].Arguments.Get(1).(client.StartWorkflowOptions)
	if !o.EnableEagerStart || !o.WorkflowExecutionErrorWhenAlreadyStarted ||
		o.WorkflowIDConflictPolicy != enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL || o.TaskQueue != workflows.TaskQueue {
		t.Fatalf("start options: %+v", o)
	}
}

// The row is written inside the run's first workflow task, before Temporal
// records it; the answer waits for that record. Here the worker died and the
// task was redone with the admin's acknowledgement, which had waited for it:
// the answer is the row as the recorded task left it.
func TestStartAnswersWhatTemporalRecorded(t *testing.T) {
	c := &mocks.Client{}
	run := &mocks.WorkflowRun{}
	run.On("GetRunID").Return("run-5")
	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.WorkflowName, mock.Anything).Return(run, nil).Once()
	recordedAs(c, "run-5", enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
		enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
	rs, w := &runs{row: map[string]domain.RemovalRecord{}}, watcher{woken: make(chan domain.RunAnnouncement, 1)}
	first := domain.RemovalRecord{RemovalID: workflows.WorkflowID(channelID), RunID: "run-5", ChannelID: channelID,
		Status: string(domain.StatusAwaitingAcknowledgement)}
	w.woken <- domain.RunAnnouncement{RunID: "run-5", Record: &first}
	redone := first
	redone.Status = string(domain.StatusAwaitingCode)
	rs.write(redone)
	doc, err := api.TemporalRemovals{Client: c, Runs: rs, Changes: w}.Start(context.Background(), "acc", workflows.Input{ChannelID: channelID})
	if err != nil || doc.Status != domain.StatusAwaitingCode {
		t.Fatalf("%+v %v", doc, err)
	}
}

// An announcement that carries the run's row is the answer: no read follows.
// An earlier run's (a status change of it) is not this run's: it is skipped
// without a read.
func TestStartAnswersFromTheAnnouncementsRow(t *testing.T) {
	c := &mocks.Client{}
	started(c, "run-4")
	rs, w := &runs{row: map[string]domain.RemovalRecord{}}, watcher{woken: make(chan domain.RunAnnouncement, 1)}
	go func() {
		time.Sleep(50 * time.Millisecond)
		w.woken <- domain.RunAnnouncement{RunID: "run-0", Record: &domain.RemovalRecord{RunID: "run-0"}} // an earlier run's: not the answer
		time.Sleep(50 * time.Millisecond)
		w.woken <- domain.RunAnnouncement{RunID: "run-4", Record: &domain.RemovalRecord{RemovalID: workflows.WorkflowID(channelID), RunID: "run-4",
			ChannelID: channelID, Status: string(domain.StatusAwaitingAcknowledgement), Doc: json.RawMessage(`{"attempts_left":5}`)}}
	}()
	r := api.TemporalRemovals{Client: c, Runs: rs, Changes: w}
	doc, err := r.Start(context.Background(), "acc", workflows.Input{ChannelID: channelID})
	if err != nil || doc.Status != domain.StatusAwaitingAcknowledgement || doc.RunID != "run-4" || doc.AttemptsLeft != 5 {
		t.Fatalf("%+v %v", doc, err)
	}
	if rs.reads != 0 {
		t.Fatalf("%d reads of the read model, want none", rs.reads)
	}
	c.AssertExpectations(t)
}

// The preflight may write its row before ExecuteWorkflow returns (an eager
// start runs it at once): the start watches before it starts, so that
// announcement is not lost and no Temporal call is needed either.
func TestStartCatchesARowWrittenBeforeTheStartReturns(t *testing.T) {
	c := &mocks.Client{}
	rs, w := &runs{row: map[string]domain.RemovalRecord{}}, watcher{woken: make(chan domain.RunAnnouncement, 1)}
	run := &mocks.WorkflowRun{}
	run.On("GetRunID").Return("run-3")
	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.WorkflowName, mock.Anything).Run(func(mock.Arguments) {
		rs.write(domain.RemovalRecord{RemovalID: workflows.WorkflowID(channelID), RunID: "run-3", ChannelID: channelID,
			Status: string(domain.StatusAwaitingAcknowledgement)})
		w.woken <- domain.RunAnnouncement{RunID: "run-3"}
	}).Return(run, nil).Once()
	recordedAs(c, "run-3")
	r := api.TemporalRemovals{Client: c, Runs: rs, Changes: w}
	t0 := time.Now()
	doc, err := r.Start(context.Background(), "acc", workflows.Input{ChannelID: channelID})
	if err != nil || doc.RunID != "run-3" || time.Since(t0) > 900*time.Millisecond {
		t.Fatalf("%+v %v after %s", doc, err, time.Since(t0))
	}
	c.AssertExpectations(t)
}

// A run that ends without writing a row (a preflight that failed) is found
// by asking Temporal, and its own answer (the outcome, which then carries
// its document) is returned.
func TestStartFindsARunThatEndedWithoutARow(t *testing.T) {
	c := &mocks.Client{}
	started(c, "run-2")
	closed := &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{CloseTime: timestamppb.Now()}}
	c.On("DescribeWorkflowExecution", mock.Anything, workflows.WorkflowID(channelID), "run-2").Return(closed, nil)
	run := &mocks.WorkflowRun{}
	run.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
		doc := domain.Removal{ID: workflows.WorkflowID(channelID), Status: domain.StatusFailed, Step: "Falha no preflight"}
		*args.Get(1).(*workflows.Outcome) = workflows.Outcome{Status: doc.Status, Step: doc.Step, Doc: &doc}
	}).Return(nil)
	c.On("GetWorkflow", mock.Anything, workflows.WorkflowID(channelID), "run-2").Return(run)
	r := api.TemporalRemovals{Client: c, Runs: &runs{row: map[string]domain.RemovalRecord{}}}
	doc, err := r.Start(context.Background(), "acc", workflows.Input{ChannelID: channelID})
	if err != nil || doc.Status != domain.StatusFailed || doc.Step != "Falha no preflight" {
		t.Fatalf("%+v %v", doc, err)
	}
}

// A running removal of the channel is a conflict naming it, not a second run.
func TestStartOfARunningRemovalIsAConflict(t *testing.T) {
	c := &mocks.Client{}
	c.On("ExecuteWorkflow", mock.Anything, mock.Anything, workflows.WorkflowName, mock.Anything).
		Return(nil, serviceerror.NewWorkflowExecutionAlreadyStarted("running", "", "run-0")).Once()
	r := api.TemporalRemovals{Client: c, Runs: &runs{row: map[string]domain.RemovalRecord{}}}
	_, err := r.Start(context.Background(), "acc", workflows.Input{ChannelID: channelID})
	var de *domain.Error
	if domain.ErrorCode(err) != domain.CodeRemovalInProgress || !errors.As(err, &de) || de.Fields["id"] != workflows.WorkflowID(channelID) {
		t.Fatalf("%v", err)
	}
}
