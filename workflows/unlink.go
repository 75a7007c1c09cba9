package workflows

// The Meta unlink after the tombstone, with its retry window for ops.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// unlink settles what the tombstone left owed to Meta, part by part, each
// with its automatic attempts. A failure leaves the removal done but
// completed_with_warnings, open for retry-unlink until the window closes.
func (r *removal) unlink(ctx workflow.Context) {
	if !r.owesMeta() {
		r.answerDone() // the tombstone completed the removal
		return
	}
	var deadline time.Time
	unlinking := r.unlinking(ctx)
	for {
		r.take(ctx, unlinking)
		if r.attempts(ctx) {
			return // the last attempt's document completed the removal
		}
		if r.cancelRequested() { // ops cancelled the run: nobody will wait for their retry
			r.abandon(ctx, true)
			return
		}
		if deadline.IsZero() {
			r.warnedAt = workflow.Now(ctx)
			deadline = r.warnedAt.Add(r.in.UnlinkRetryWindow.D())
		}
		r.setStatus(ctx, domain.StatusCompletedWithWarnings, domain.StepUnlinkFailed(r.doc.MetaUnlink.LastMetaError(), SignalRetryUnlink, deadline))
		r.notifyAdmins(ctx)
		retry, end := r.awaitRetryUnlink(ctx, deadline)
		switch end {
		case timedOut:
			r.abandon(ctx, false)
			return
		case stopped:
			r.abandon(ctx, true)
			return
		}
		unlinking = r.unlinking(ctx)
		r.audit(ctx, domain.ActionRetryUnlinkRequested, retry.Actor, nil, &unlinking)
	}
}

// unlinking is the document while Meta is being called.
func (r *removal) unlinking(ctx workflow.Context) domain.Removal {
	return domain.AttemptPlan{Owed: r.owed, At: workflow.Now(ctx)}.From(r.doc)
}

// attempts makes the automatic attempts at what is still owed, in the parts'
// order, each part once the one before it settled; it reports whether
// everything settled.
func (r *removal) attempts(ctx workflow.Context) bool {
	for _, p := range domain.MetaParts {
		for n := 1; r.owes(p); n++ {
			res := r.attempt(ctx, p, n == unlinkAttempts)
			switch res.Outcome {
			case domain.OutcomeTransient:
				if n == unlinkAttempts {
					return false
				}
				if !r.waitToRetry(ctx, res, n) {
					return false
				}
			case domain.OutcomePermanent:
				return false
			}
		}
	}
	return true
}

// waitToRetry waits before automatic attempt n+1: the backoff, or as long as
// Meta asked (bounded), shown in the step and as the timer's summary.
func (r *removal) waitToRetry(ctx workflow.Context, failed activities.AttemptResult, n int) bool {
	wait, summary := unlinkBackoff(n), fmt.Sprintf("nova tentativa na Meta (%d de %d)", n+1, unlinkAttempts)
	if failed.RetryAfter > wait {
		wait = min(failed.RetryAfter, maxMetaWait)
		summary = fmt.Sprintf("a Meta pediu para aguardar %s; nova tentativa (%d de %d)", domain.DurationText(wait), n+1, unlinkAttempts)
	}
	r.setStatus(ctx, r.doc.Status, domain.StepUnlinkRetrying(failed.Error, workflow.Now(ctx).Add(wait)))
	return workflow.NewTimerWithOptions(ctx, wait, workflow.TimerOptions{Summary: summary}).Get(ctx, nil) == nil
}

// abandon settles, for good, what nobody retried within the window, or what
// ops stopped waiting for (byOps): the jobs' tokens are erased, the failure
// stays. Retried until it lands, as an audit write is.
func (r *removal) abandon(ctx workflow.Context, byOps bool) {
	step, why := domain.StepUnlinkAbandoned, domain.ReasonUnlinkWindowExpired
	if byOps {
		step, why = domain.StepUnlinkStoppedByOps, domain.ReasonUnlinkStoppedByOps
	}
	doc := r.doc.Abandoned(r.owed, step, why, workflow.Now(ctx))
	in := activities.AbandonInput{Step: r.step(r.actor), Decided: domain.One(withoutImpact(doc))}
	if byOps {
		in.Why, in.Actor = why, domain.ActorOpsTemporal
	}
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.AbandonUnlink, in).Get(ctx, nil)
	r.take(ctx, doc)
}

// awaitRetryUnlink waits for ops' retry-unlink until deadline; the ops
// alert's wait comes first, with its own timer.
func (r *removal) awaitRetryUnlink(ctx workflow.Context, deadline time.Time) (command, waitEnd) {
	alertAt := r.warnedAt.Add(r.in.OpsAlertAfter.D())
	for {
		until, summary := deadline, "janela para retry-unlink ("+domain.DurationText(r.in.UnlinkRetryWindow.D())+")"
		if !r.opsAlerted && alertAt.Before(deadline) {
			if !workflow.Now(ctx).Before(alertAt) {
				r.alertOps(ctx, deadline)
				continue
			}
			until, summary = alertAt, "alerta para operações ("+domain.DurationText(r.in.OpsAlertAfter.D())+"), na "+summary
		}
		cmd, end := r.next(ctx, until, summary)
		switch {
		case end == timedOut && until.Before(deadline):
			continue // the alert's time: told at the top of the loop
		case end != gotInput:
			return command{}, end
		case cmd.Kind == kindRetryUnlink && r.retryRounds >= domain.MaxRetryUnlinkRounds:
			r.refuse(cmd, domain.RetryUnlinkRoundsRefusal())
			continue
		case cmd.Kind == kindRetryUnlink:
			r.retryRounds++
			return cmd, gotInput
		}
		r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
	}
}
