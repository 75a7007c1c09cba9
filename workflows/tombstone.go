package workflows

// The tombstone: the channel removed in Postgres, through an outage if need be.

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// deleteChannel tombstones the channel. From here the removal no longer
// depends on anyone, so the verification is answered as soon as the outcome
// of the tombstone is known, or as accepted ("removing") when the database
// keeps it waiting.
func (r *removal) deleteChannel(ctx workflow.Context, verified command) (unlinkOwed bool, ok bool) {
	r.actor = verified.Actor
	r.setLocalStatus(ctx, domain.StatusRemoving, domain.StatusStep(domain.StatusRemoving))
	d, err := r.tombstone(ctx)
	if err != nil && temporalerr.Retryable(err) {
		// The database is away, or another transaction holds the channel's
		// row: the code was accepted, so say so now and keep trying.
		deadline := workflow.Now(ctx).Add(r.in.OutageWindow.D())
		r.setStatus(ctx, domain.StatusRemoving, domain.StepAwaitingDatabase(r.in.OutageRetryInterval.D(), deadline))
		r.reply(verified, nil)
		verified = command{} // answered
		d, err = r.tombstoneThroughOutage(ctx, deadline)
	}
	if err != nil {
		r.tombstoneFailed(ctx, err)
		r.reply(verified, nil)
		return false, false
	}
	if d.MetaAccessLost {
		r.doc.MetaUnlink.Status = domain.UnlinkByMeta
		r.doc.Notes = append(r.doc.Notes, domain.NoteMetaAccessLost)
		if r.releaseNumber { // asked before Meta cut the channel off
			r.doc.MetaUnlink.Number = &domain.NumberRelease{Status: domain.NumberFailed, LastError: domain.NumberNotReleasable}
		}
	}
	if d.UnlinkPending {
		r.reply(verified, nil)
	} else {
		r.done = &verified // nothing is owed: answered with the outcome, once the run is complete
	}
	return d.UnlinkPending, true
}

// tombstoneFailed ends the run: rejected when an attendance opened since the
// preflight (nothing changed), failed otherwise.
func (r *removal) tombstoneFailed(ctx workflow.Context, err error) {
	de := temporalerr.AsDomain(err)
	if de.Code != domain.CodeActiveAttendances {
		r.finish(ctx, domain.StatusFailed, domain.StepFailed("Falha ao remover o canal", de.Message))
		return
	}
	var f struct {
		ActiveAttendances []domain.Attendance `json:"active_attendances"`
	}
	temporalerr.Fields(err, &f)
	if r.doc.Impact != nil {
		r.doc.Impact.ActiveAttendances = f.ActiveAttendances
	}
	r.doc.Reasons = []domain.Reason{{Code: domain.CodeActiveAttendances, Message: de.Message}}
	r.finish(ctx, domain.StatusRejected, domain.StepAttendanceOpened)
}

func (r *removal) tombstone(ctx workflow.Context) (activities.DeleteResult, error) {
	var d activities.DeleteResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, deleteOptions()), a.DeleteChannel,
		activities.DeleteInput{Step: r.step(r.actor), FinishIfNothingOwed: true, ReleaseNumber: r.releaseNumber}).Get(ctx, &d)
	return d, err
}

// tombstoneThroughOutage retries the tombstone every OutageRetryInterval
// until it succeeds, fails for good, or the deadline passes (then the run
// ends failed, the channel untouched).
func (r *removal) tombstoneThroughOutage(ctx workflow.Context, deadline time.Time) (activities.DeleteResult, error) {
	for {
		if workflow.Now(ctx).After(deadline) {
			return activities.DeleteResult{}, temporalerr.Encode(domain.Errorf(domain.CodeUnavailable,
				"o banco de dados ficou indisponível além da janela de %s", domain.DurationText(r.in.OutageWindow.D())))
		}
		if err := workflow.NewTimerWithOptions(ctx, r.in.OutageRetryInterval.D(),
			workflow.TimerOptions{Summary: "aguardando o banco de dados"}).Get(ctx, nil); err != nil {
			return activities.DeleteResult{}, err
		}
		d, err := r.tombstone(ctx)
		if err == nil || !temporalerr.Retryable(err) {
			return d, err
		}
	}
}
