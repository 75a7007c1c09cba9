package api

import (
	"context"
	"errors"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
	"github.com/crm/channel-removal/workflows"
)

// Purges drives the purge workflows of removed channels (SPEC §8).
type Purges interface {
	// Update sends one of the purge's updates (cancel, move).
	Update(ctx context.Context, channelID, update string, arg any) error
	// HoldChanged tells a channel's purge, if it runs, that its hold changed.
	HoldChanged(ctx context.Context, channelID string, v workflows.HoldChanged) error
}

// noPurges answers when no Temporal client drives purges (a test's API).
type noPurges struct{}

func (noPurges) Update(context.Context, string, string, any) error {
	return domain.Errorf(domain.CodeUnavailable, "as exclusões programadas estão indisponíveis no momento")
}
func (noPurges) HoldChanged(context.Context, string, workflows.HoldChanged) error { return nil }

// TemporalPurges is Purges over a Temporal client.
type TemporalPurges struct {
	Client client.Client
}

func (t TemporalPurges) Update(ctx context.Context, channelID, update string, arg any) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultTemporalTimeout)
	defer cancel()
	h, err := t.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		UpdateID: UpdateIDFrom(ctx), WorkflowID: workflows.PurgeWorkflowID(channelID), UpdateName: update, Args: []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	var nf *serviceerror.NotFound
	switch {
	case err == nil:
		return nil
	case errors.As(err, &nf):
		return domain.Errorf(domain.CodeInvalidState, "não há exclusão programada em andamento para este canal")
	}
	if de, ok := temporalerr.Decode(err); ok {
		return de
	}
	return unavailable(err)
}

func (t TemporalPurges) HoldChanged(ctx context.Context, channelID string, v workflows.HoldChanged) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultTemporalTimeout)
	defer cancel()
	err := t.Client.SignalWorkflow(ctx, workflows.PurgeWorkflowID(channelID), "", workflows.SignalHoldChanged, v)
	var nf *serviceerror.NotFound
	if err == nil || errors.As(err, &nf) { // no purge, or it ended: the hold is on the channel all the same
		return nil
	}
	return unavailable(err)
}
