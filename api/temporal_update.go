package api

// A removal's updates, and Temporal's failures as the API answers them.

import (
	"context"
	"errors"
	"log/slog"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
	"github.com/crm/channel-removal/workflows"
)

// Update sends an update to the running removal. When the run is already
// closed, the answer depends on how it ended (e.g. code_expired, locked).
func (t TemporalRemovals) Update(ctx context.Context, removalID, update string, arg any) (domain.Removal, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	var doc domain.Removal
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: UpdateIDFrom(ctx), WorkflowID: removalID, UpdateName: update, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
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
	if de, ok := temporalerr.Decode(err); ok {
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
