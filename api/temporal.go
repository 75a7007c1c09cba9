package api

import (
	"context"
	"errors"
	"log/slog"
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
	Start(ctx context.Context, accountID string, in workflows.Input) (workflows.Removal, error)
	// Get returns the latest run's document.
	Get(ctx context.Context, removalID string) (workflows.Removal, error)
	// Update sends one of the workflow's updates and returns the new document.
	Update(ctx context.Context, removalID, update string, arg any) (workflows.Removal, error)
	Ready(ctx context.Context) error
}

// TemporalRemovals is Removals over a Temporal client.
type TemporalRemovals struct {
	Client client.Client
	// Timeout bounds each call (the SDK retries an unreachable server until
	// its context ends); zero is DefaultTemporalTimeout.
	Timeout time.Duration
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

// Start begins RemoveChannelWorkflow under the channel's removal id. A running
// removal of the same channel is a removal_in_progress conflict; a closed one
// (rejected, cancelled, expired, locked) lets a new run start under the same id.
func (t TemporalRemovals) Start(ctx context.Context, accountID string, in workflows.Input) (workflows.Removal, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	id := workflows.WorkflowID(in.ChannelID)
	// Update-With-Start: one call starts the run and waits for its preflight.
	start := t.Client.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
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
	h, err := t.Client.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
		StartWorkflowOperation: start,
		UpdateOptions: client.UpdateWorkflowOptions{UpdateName: workflows.UpdateAwaitPreflight,
			WaitForStage: client.WorkflowUpdateStageCompleted},
	})
	var doc workflows.Removal
	if err == nil {
		err = h.Get(ctx, &doc)
	}
	if err != nil {
		// The conflict may surface from the call or from the update's result.
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return doc, (&domain.Error{Code: domain.CodeRemovalInProgress,
				Message: "já existe uma remoção em andamento para este canal"}).With("id", id)
		}
		// The run may have ended (a rejected preflight) before the update landed.
		if run, rerr := start.Get(ctx); rerr == nil {
			if rerr = t.Client.GetWorkflow(ctx, id, run.GetRunID()).Get(ctx, &doc); rerr == nil {
				return doc, nil
			}
		}
		return doc, t.updateError(err)
	}
	return doc, nil
}

// Get reads the latest run: its live state while running, its result once closed.
func (t TemporalRemovals) Get(ctx context.Context, removalID string) (workflows.Removal, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	var doc workflows.Removal
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
	if err := t.Client.GetWorkflow(ctx, removalID, info.GetExecution().GetRunId()).Get(ctx, &doc); err != nil {
		// Terminated or failed outside the workflow's own outcomes: report it as failed.
		doc = workflows.Removal{ID: removalID, RunID: info.GetExecution().GetRunId(), Status: domain.StatusFailed,
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
	}
	return doc, nil
}

// Update sends an update to the running removal. When the run is already
// closed, the answer depends on how it ended (e.g. code_expired, locked).
func (t TemporalRemovals) Update(ctx context.Context, removalID, update string, arg any) (workflows.Removal, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	var doc workflows.Removal
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: removalID, UpdateName: update, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, &doc)
	}
	if err == nil {
		return doc, nil
	}
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) { // the run is closed: answer as the run would have
		cur, gerr := t.Get(ctx, removalID)
		if gerr != nil {
			return doc, gerr
		}
		return cur, workflows.Refusal(workflows.ActionOfUpdate[update], cur.Status)
	}
	return doc, t.updateError(err)
}

// updateError turns an update's failure into the domain error it carries.
func (t TemporalRemovals) updateError(err error) error {
	if de, ok := workflows.DomainError(err); ok {
		return de
	}
	return unavailable(err)
}

// unavailable: a Temporal call that failed without a domain answer is the
// engine being down, overloaded, slow or restarting (Unavailable,
// ResourceExhausted, DeadlineExceeded, a namespace not yet loaded by a stalled
// server): a 503 to retry, never a 500. It is logged with its cause.
func unavailable(err error) error {
	slog.Warn("temporal call failed", "error", err)
	return (&domain.Error{Code: domain.CodeUnavailable, Message: "o serviço de remoções está indisponível no momento; tente de novo em instantes"}).
		With("retry_after", 5)
}

// Ready checks that the Temporal frontend answers.
func (t TemporalRemovals) Ready(ctx context.Context) error {
	_, err := t.Client.CheckHealth(ctx, &client.CheckHealthRequest{})
	return err
}
