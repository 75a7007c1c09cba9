package api

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// Removals drives removal workflows for the API.
type Removals interface {
	// Start starts a removal and waits for its preflight.
	Start(ctx context.Context, accountID string, in workflows.Input) (domain.Removal, error)
	// Get returns the latest run's document.
	Get(ctx context.Context, removalID string) (domain.Removal, error)
	// Update sends one of the workflow's updates and returns the new document.
	Update(ctx context.Context, removalID, update string, arg any) (domain.Removal, error)
	Ready(ctx context.Context) error
}

// TemporalRemovals is Removals over a Temporal client.
type TemporalRemovals struct {
	Client client.Client
	// Timeout bounds each call (the SDK retries an unreachable server until
	// its context ends); zero is DefaultTemporalTimeout.
	Timeout time.Duration
	// Runs reads a run's read-model row, where Start finds its preflight's
	// outcome; Changes (optional) says when a row changed, else Start polls.
	Runs    RunReader
	Changes RunWatcher
	// TaskQueue is where runs start (empty: workflows.TaskQueue).
	TaskQueue string
}

// RunReader reads one run of a removal from the read model.
type RunReader interface {
	RemovalRun(ctx context.Context, removalID, runID string) (domain.RemovalRecord, error)
}

// RunWatcher announces a removal's new runs and status changes, with their
// read-model row when it fits.
type RunWatcher interface {
	Watch(removalID string) (<-chan domain.RunAnnouncement, func())
}

// DefaultTemporalTimeout is how long a request waits for Temporal before the
// API answers 503.
const DefaultTemporalTimeout = 15 * time.Second

func (t TemporalRemovals) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	d := t.Timeout
	if d <= 0 {
		d = DefaultTemporalTimeout
	}
	return context.WithTimeout(ctx, d)
}

// Start begins RemoveChannelWorkflow under the channel's removal id and waits
// for its preflight. A running removal of the same channel is a
// removal_in_progress conflict; a closed one (rejected, cancelled, expired,
// locked) lets a new run start under the same id.
//
// The preflight's outcome is read where the preflight writes it: the run's
// read-model row, in the same statement as its audit record (see
// awaitPreflight), and answered once Temporal has recorded the task that
// wrote it (recorded). So the answer needs one Temporal write, the start, and
// none for the workflow task's completion; with a worker in this process
// (dev, bench) the start is eager and the first workflow task never passes
// through matching.
func (t TemporalRemovals) Start(ctx context.Context, accountID string, in workflows.Input) (domain.Removal, error) {
	if t.Runs == nil {
		return domain.Removal{}, domain.Errorf(domain.CodeInternal, "TemporalRemovals.Runs is not set")
	}
	ctx, cancel := t.bound(ctx)
	defer cancel()
	id := workflows.WorkflowID(in.ChannelID)
	// Watched before the start, so the preflight's row, which may be written
	// before ExecuteWorkflow returns, cannot be missed: the row is read only
	// once it is announced.
	var woken <-chan domain.RunAnnouncement
	if t.Changes != nil {
		w, stop := t.Changes.Watch(id)
		defer stop()
		woken = w
	}
	run, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.QueueOr(t.TaskQueue),
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		EnableEagerStart:         true,
		// Without it the SDK answers a conflict with the running removal.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// The preflight runs within the run's first workflow task and almost
		// always passes: saying so at start spares an upsert; a rejection
		// upserts "rejected" in that same task.
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SAChannelID.ValueSet(in.ChannelID),
			workflows.SAAccountID.ValueSet(accountID),
			workflows.SARemovalStatus.ValueSet(string(domain.StatusAwaitingAcknowledgement)),
		),
		StaticSummary: workflows.RunSummary(in),
	}, workflows.WorkflowName, in)
	if err != nil {
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return domain.Removal{}, (&domain.Error{Code: domain.CodeRemovalInProgress,
				Message: "já existe uma remoção em andamento para este canal"}).With("id", id)
		}
		return domain.Removal{}, unavailable(err)
	}
	return t.awaitPreflight(ctx, id, run.GetRunID(), woken)
}

// runCheckEvery is how often awaitPreflight also asks Temporal whether the
// run ended without writing its row (a preflight that failed, or a requester
// who vanished): rare, so the happy path pays no Temporal call for it.
const runCheckEvery = time.Second

// awaitPreflight waits for the run's row in the read model: the announcement
// that carries it is the answer; one that does not is a cue to read it (nil
// woken: without Changes, it polls Postgres).
func (t TemporalRemovals) awaitPreflight(ctx context.Context, id, runID string, woken <-chan domain.RunAnnouncement) (domain.Removal, error) {
	poll := time.NewTicker(runCheckEvery)
	if woken == nil {
		poll.Reset(20 * time.Millisecond)
	}
	defer poll.Stop()
	lastRunCheck := time.Now()
	for {
		select {
		case a := <-woken:
			switch {
			case a.RunID == runID && a.Record != nil:
				return t.recorded(ctx, id, runID, a.Record.Document())
			case a.RunID != "" && a.RunID != runID: // an older run's status change
				continue
			}
		case <-poll.C:
		case <-ctx.Done():
			return domain.Removal{}, unavailable(ctx.Err())
		}
		rec, err := t.Runs.RemovalRun(ctx, id, runID)
		if err == nil {
			return t.recorded(ctx, id, runID, rec.Document())
		}
		if domain.ErrorCode(err) != domain.CodeNotFound {
			return domain.Removal{}, err
		}
		if time.Since(lastRunCheck) < runCheckEvery {
			continue
		}
		lastRunCheck = time.Now()
		d, err := t.Client.DescribeWorkflowExecution(ctx, id, runID)
		if err != nil {
			return domain.Removal{}, unavailable(err)
		}
		if d.GetWorkflowExecutionInfo().GetCloseTime() != nil {
			var out workflows.Outcome
			if err := t.Client.GetWorkflow(ctx, id, runID).Get(ctx, &out); err != nil {
				return domain.Removal{}, t.updateError(err)
			}
			return t.closed(ctx, id, out), nil
		}
	}
}

// recorded answers the preflight's outcome once Temporal has recorded it. The
// row is written inside the run's first workflow task, before the task's
// completion reaches the server: the 201 waits for that completion, so it
// only ever says what Temporal recorded. (Should a crash have the task redone
// first, the preflight returns the verdict its row holds: the row does not
// change; the run may have moved on, when an acknowledgement came with the
// redone task, and its row is read again.)
func (t TemporalRemovals) recorded(ctx context.Context, id, runID string, doc domain.Removal) (domain.Removal, error) {
	redone, err := FirstTaskRecorded(ctx, t.Client, id, runID)
	if err != nil {
		return domain.Removal{}, unavailable(err)
	}
	if !redone {
		return doc, nil
	}
	rec, err := t.Runs.RemovalRun(ctx, id, runID)
	if err != nil {
		return domain.Removal{}, err
	}
	return rec.Document(), nil
}

// FirstTaskRecorded waits until the run's first workflow task is recorded as
// completed, by long-polling its history (the history service answers; no
// worker is involved). redone says an earlier attempt of that task failed or
// timed out (its worker died): what it wrote outside Temporal was written
// again by the attempt that completed.
func FirstTaskRecorded(ctx context.Context, c client.Client, id, runID string) (redone bool, err error) {
	events := c.GetWorkflowHistory(ctx, id, runID, true, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for events.HasNext() {
		ev, err := events.Next()
		if err != nil {
			return redone, err
		}
		switch ev.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
			return redone, nil
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_FAILED, enumspb.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT:
			redone = true
		}
	}
	return redone, errors.New("the run's history ended before its first workflow task completed")
}

// Get reads the latest run: its live state while running, its result once closed.
func (t TemporalRemovals) Get(ctx context.Context, removalID string) (domain.Removal, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	var doc domain.Removal
	desc, err := t.Client.DescribeWorkflowExecution(ctx, removalID, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return doc, domain.Errorf(domain.CodeNotFound, "remoção não encontrada")
	}
	if err != nil {
		return doc, unavailable(err)
	}
	info := desc.GetWorkflowExecutionInfo()
	if info.GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		v, err := t.Client.QueryWorkflow(ctx, removalID, "", workflows.QueryStatus)
		if err != nil {
			return doc, unavailable(err)
		}
		return doc, v.Get(&doc)
	}
	var out workflows.Outcome
	if err := t.Client.GetWorkflow(ctx, removalID, info.GetExecution().GetRunId()).Get(ctx, &out); err == nil {
		return t.closed(ctx, removalID, out), nil
	}
	// Terminated or failed outside the workflow's own outcomes: report it as failed.
	doc = domain.Removal{ID: removalID, RunID: info.GetExecution().GetRunId(), Status: domain.StatusFailed,
		Step: "A execução terminou de forma anormal: " + info.GetStatus().String(), Notes: []string{}}
	if ct := info.GetCloseTime(); ct != nil {
		at := ct.AsTime()
		doc.CompletedAt = &at
	}
	doc.CreatedAt = info.GetStartTime().AsTime()
	doc.UpdatedAt = doc.CreatedAt
	if doc.CompletedAt != nil {
		doc.UpdatedAt = *doc.CompletedAt
	}
	return doc, nil
}

// closed is the removal a closed run's outcome stands for: the document it
// carries (it ended with no record), else its read-model row, else (no row:
// a run that ended before its first step wrote one) the outcome itself.
func (t TemporalRemovals) closed(ctx context.Context, id string, out workflows.Outcome) domain.Removal {
	if out.Doc != nil {
		return *out.Doc
	}
	if t.Runs != nil {
		if rec, err := t.Runs.RemovalRun(ctx, id, out.RunID); err == nil && domain.Status(rec.Status) == out.Status {
			return rec.Document()
		}
	}
	channelID, _ := workflows.ChannelIDOf(id)
	return domain.Removal{ID: id, RunID: out.RunID, ChannelID: channelID, Status: out.Status, Step: out.Step,
		CompletedAt: out.CompletedAt, Notes: []string{}}
}

// Ready checks that the Temporal frontend answers.
func (t TemporalRemovals) Ready(ctx context.Context) error {
	_, err := t.Client.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
