package api

// A removal's updates, and Temporal's failures as the API answers them.

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
	"github.com/crm/channel-removal/workflows"
)

// Update sends an update to the running removal and answers the removal
// as the read model holds it once the run answered. When the run is already
// closed, the answer depends on how it ended (e.g. code_expired, locked).
func (t TemporalRemovals) Update(ctx context.Context, removalID, update string, arg any) (domain.Removal, error) {
	ctx, cancel := t.bound(ctx)
	defer cancel()
	var doc domain.Removal
	var out updateAnswer
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: UpdateIDFrom(ctx), WorkflowID: removalID, UpdateName: update, Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, &out)
	}
	switch {
	case err == nil && out.whole != nil:
		return *out.whole, nil // a pinned r5 run's answer: the document itself
	case err == nil:
		return t.answered(ctx, removalID, out.Outcome)
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

// answered is the removal an update's outcome stands for. The run answers
// once the step that moved it wrote the run's read-model row, so the row is
// read (it may have moved on since: the answer is then the later state, as
// GET would say); the status the run answered keeps its step, which names
// the wait's deadline; a row behind the run (a step answered while the
// database refused its write) is answered with the run's status and step.
// An outcome that carries its document (a run that
// ended with no record) is answered as it is.
func (t TemporalRemovals) answered(ctx context.Context, removalID string, out workflows.Outcome) (domain.Removal, error) {
	if out.Doc != nil {
		return *out.Doc, nil
	}
	if t.Runs == nil {
		return domain.Removal{}, domain.Errorf(domain.CodeInternal, "TemporalRemovals.Runs is not set")
	}
	rec, err := t.Runs.RemovalRun(ctx, removalID, out.RunID)
	if err != nil {
		return domain.Removal{}, err
	}
	doc := rec.Document()
	switch {
	case doc.Status == out.Status:
		doc.Step = out.Step
	case doc.Status.Before(out.Status):
		// The row is behind the run: a step answered while the database
		// refused its write (the verification answered as "removing",
		// awaiting the database, while the channel's row is locked). The
		// run's state is answered, never one it has left.
		doc.Status, doc.Step, doc.CompletedAt = out.Status, out.Step, out.CompletedAt
	}
	return doc, nil
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

// updateAnswer is an update's answer as either release's run gives it: an
// r6 run's Outcome, or the whole document a run pinned to r5 answers (such
// runs live on, on r5 workers, after the r6 API is out; docs/versioning.md).
// The document is answered as it is, as the r5 API did: its row may be
// behind it (r5 answered without writing the row first).
type updateAnswer struct {
	workflows.Outcome
	whole *domain.Removal
}

// UnmarshalJSON tells the two apart by the document's id (an Outcome has none).
func (a *updateAnswer) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &a.Outcome); err != nil {
		return err
	}
	var probe struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &probe); err != nil || probe.ID == "" {
		return err
	}
	a.whole = &domain.Removal{}
	return json.Unmarshal(b, a.whole)
}
