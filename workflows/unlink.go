package workflows

// The Meta unlink after the tombstone: each part owed (domain.MetaParts)
// with its automatic attempts, then, on a failure, the window for ops'
// retry-unlink. What the document becomes is domain.AttemptPlan's.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// unlinkState is the unlink's own: what the tombstone left owed, the
// attempts at each part across rounds, ops' rounds, when the removal first
// reached completed_with_warnings and whether ops were alerted of it.
type unlinkState struct {
	owed        domain.MetaOwed
	tries       map[domain.MetaPart]int
	retryRounds int
	warnedAt    time.Time
	opsAlerted  bool
}

// metaParts is each part's activity and its summary in Temporal Web.
var metaParts = map[domain.MetaPart]struct {
	activity any
	summary  string
}{
	domain.PartOverride:     {a.ReleaseOverride, "Remove o redirecionamento de webhook do número (webhook_configuration)"},
	domain.PartSubscription: {a.Unsubscribe, "Desvincula o aplicativo na Meta (subscribed_apps)"},
	domain.PartNumber:       {a.ReleaseNumber, "Libera o número na Meta (deregister)"},
	domain.PartCreditLine:   {a.RevokeCreditLine, "Revoga a linha de crédito compartilhada com a WABA"},
}

// unlink settles what the tombstone left owed. A failure leaves the removal
// done but completed_with_warnings, open for retry-unlink until the window
// closes (or ops cancel the run: nobody will wait for their retry).
func (r *removal) unlink(ctx workflow.Context) {
	if !r.meta.owed.OwesAny(r.doc) {
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
		if r.cancelRequested() {
			r.abandon(ctx, true)
			return
		}
		if deadline.IsZero() {
			r.meta.warnedAt = workflow.Now(ctx)
			deadline = r.meta.warnedAt.Add(r.in.UnlinkRetryWindow.D())
		}
		r.setStatus(ctx, domain.StatusCompletedWithWarnings, domain.StepUnlinkFailed(r.doc.MetaUnlink.LastMetaError(), SignalRetryUnlink, deadline))
		r.notifyAdmins(ctx)
		retry, end := r.awaitRetryUnlink(ctx, deadline)
		if end != gotInput {
			r.abandon(ctx, end == stopped)
			return
		}
		unlinking = r.unlinking(ctx)
		r.audit(ctx, domain.ActionRetryUnlinkRequested, retry.Actor, nil, &unlinking)
	}
}

// unlinking is the document while Meta is being called.
func (r *removal) unlinking(ctx workflow.Context) domain.Removal {
	return domain.AttemptPlan{Owed: r.meta.owed, At: workflow.Now(ctx)}.From(r.doc)
}

// attempts makes the automatic attempts at what is still owed, each part
// once the one before it settled; it reports whether everything settled.
func (r *removal) attempts(ctx workflow.Context) bool {
	for _, p := range domain.MetaParts {
		for n := 1; r.meta.owed.Owes(r.doc, p); n++ {
			switch res := r.attempt(ctx, p, n == unlinkAttempts); res.Outcome {
			case domain.OutcomeTransient:
				if n == unlinkAttempts || !r.waitToRetry(ctx, res, n) {
					return false
				}
			case domain.OutcomePermanent:
				return false
			}
		}
	}
	return true
}

// attempt makes one attempt at part p and takes the document its outcome
// leads to; on the last automatic attempt a transient failure waits for ops,
// as a permanent one does. The input is ids and the plan: the activity moves
// the run's row (r.doc, written by the step before) as the run moves r.doc.
func (r *removal) attempt(ctx workflow.Context, p domain.MetaPart, last bool) activities.AttemptResult {
	r.meta.tries[p]++
	plan := domain.AttemptPlan{Part: p, Last: last, UnlinkAttempts: r.meta.tries[domain.PartSubscription], Owed: r.meta.owed, At: workflow.Now(ctx)}
	var res activities.AttemptResult
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, unlinkOptions(metaParts[p].summary)), metaParts[p].activity,
		activities.AttemptInput{Step: r.step(r.actor), Attempt: r.meta.tries[p], Plan: plan}).Get(ctx, &res)
	doc, ok := plan.After(plan.From(r.doc), res.Outcome, p.Facts(res.Error))
	if !ok { // the run was cancelled while the activity ran
		return activities.AttemptResult{Outcome: domain.OutcomePermanent}
	}
	r.take(ctx, doc)
	return res
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
	doc := r.doc.Abandoned(r.meta.owed, step, why, workflow.Now(ctx))
	in := activities.AbandonInput{Step: r.step(r.actor), Decided: domain.One(withoutImpact(doc))}
	if byOps {
		in.Why, in.Actor = why, domain.ActorOpsTemporal
	}
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.AbandonUnlink, in).Get(ctx, nil)
	r.take(ctx, doc)
}

// awaitRetryUnlink waits for ops' retry-unlink until deadline (bounded
// rounds); the ops alert's wait comes first, with a timer of its own.
func (r *removal) awaitRetryUnlink(ctx workflow.Context, deadline time.Time) (command, waitEnd) {
	alertAt := r.meta.warnedAt.Add(r.in.OpsAlertAfter.D())
	for {
		until, summary := deadline, "janela para retry-unlink ("+domain.DurationText(r.in.UnlinkRetryWindow.D())+")"
		if !r.meta.opsAlerted && alertAt.Before(deadline) {
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
		case cmd.Kind == kindRetryUnlink && r.meta.retryRounds >= domain.MaxRetryUnlinkRounds:
			r.refuse(cmd, domain.RetryUnlinkRoundsRefusal())
		case cmd.Kind == kindRetryUnlink:
			r.meta.retryRounds++
			return cmd, gotInput
		default:
			r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
		}
	}
}
