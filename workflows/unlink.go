package workflows

// The Meta unlink after the tombstone, with its retry window for ops.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// unlink settles what the tombstone left owed to Meta: the app's
// subscription, then the number's release, each with its own automatic
// attempts. A failure leaves the removal done but completed_with_warnings,
// open for retry-unlink until the retry window closes.
func (r *removal) unlink(ctx workflow.Context) {
	if !r.unlinkOwed() && !r.numberOwed() {
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
		if deadline.IsZero() {
			r.warnedAt = workflow.Now(ctx)
			deadline = r.warnedAt.Add(r.in.UnlinkRetryWindow.D())
		}
		r.setStatus(ctx, domain.StatusCompletedWithWarnings, domain.StepUnlinkFailed(r.metaError(), SignalRetryUnlink, deadline))
		r.notifyAdmins(ctx)
		retry, ok := r.awaitRetryUnlink(ctx, deadline)
		if !ok {
			r.abandon(ctx)
			return
		}
		unlinking = r.unlinking(ctx)
		r.audit(ctx, domain.ActionRetryUnlinkRequested, retry.Actor, nil, &unlinking)
	}
}

// unlinking is the document while Meta is being called.
func (r *removal) unlinking(ctx workflow.Context) domain.Removal {
	doc := r.decide(ctx, domain.StatusUnlinking, domain.StatusStep(domain.StatusUnlinking))
	if r.unlinkOwed() {
		doc.MetaUnlink.Status = domain.UnlinkUnlinking
	}
	return doc
}

func (r *removal) unlinkOwed() bool {
	s := r.doc.MetaUnlink.Status
	return r.owed.Subscription && s != domain.UnlinkDone && s != domain.UnlinkSkipped
}

func (r *removal) numberOwed() bool {
	return r.owed.Number && r.doc.MetaUnlink.Number != nil && r.doc.MetaUnlink.Number.Status != domain.NumberReleased
}

// attempts makes the automatic attempts at what is still owed, the
// subscription first (a number is released only once the app is
// unsubscribed); it reports whether everything settled.
func (r *removal) attempts(ctx workflow.Context) bool {
	for _, number := range []bool{false, true} {
		for n := 1; number && r.numberOwed() || !number && r.unlinkOwed(); n++ {
			res := r.attempt(ctx, number, n == unlinkAttempts)
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

// attempt makes one attempt at the subscription (or the number) and takes
// the document decided for its outcome; on the last automatic attempt a
// transient failure waits for ops, as a permanent one does.
func (r *removal) attempt(ctx workflow.Context, number, last bool) activities.AttemptResult {
	act, count := a.Unsubscribe, &r.unlinkAttempts
	if number {
		act, count = a.ReleaseNumber, &r.numberAttempts
	}
	*count++
	decided := domain.Decided{
		domain.OutcomeDone:      r.settled(ctx, number, domain.OutcomeDone),
		domain.OutcomeTransient: r.failedAttempt(ctx, number, last),
		domain.OutcomePermanent: r.failedAttempt(ctx, number, true),
	}
	if !number {
		decided[domain.OutcomeKept] = r.settled(ctx, number, domain.OutcomeKept)
	}
	var res activities.AttemptResult
	// Retried until the attempt and its record land; Meta's answer is the result.
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, unlinkOptions(number)), act,
		activities.AttemptInput{Step: r.step(r.actor), Attempt: *count, Decided: decided}).Get(ctx, &res)
	facts := domain.Facts{UnlinkError: res.Error}
	if number {
		facts = domain.Facts{NumberError: res.Error}
	}
	doc, ok := decided.For(res.Outcome, facts)
	if !ok { // the run was cancelled while the activity ran
		return activities.AttemptResult{Outcome: domain.OutcomePermanent}
	}
	r.take(ctx, doc)
	return res
}

// settled is the document once the subscription (or the number) is settled:
// unlinked, or kept for a sibling channel on the WABA; with nothing else
// owed, the removal is completed.
func (r *removal) settled(ctx workflow.Context, number bool, o domain.Outcome) domain.Removal {
	doc := r.unlinking(ctx)
	if number {
		doc.MetaUnlink.Number.Status, doc.MetaUnlink.Number.LastError = domain.NumberReleased, ""
	} else {
		doc.MetaUnlink = domain.MetaUnlink{Status: domain.UnlinkDone, Attempts: r.unlinkAttempts, Number: doc.MetaUnlink.Number}
		if o == domain.OutcomeKept {
			doc.MetaUnlink.Status = domain.UnlinkSkipped
			doc.Notes = append(doc.Notes, domain.NoteWABAShared)
		}
	}
	if number || !r.numberOwed() {
		return r.completed(ctx, doc)
	}
	return doc
}

// failedAttempt is the document after a failed attempt: still unlinking
// while automatic attempts remain, else completed_with_warnings.
func (r *removal) failedAttempt(ctx workflow.Context, number, needsOps bool) domain.Removal {
	doc := r.unlinking(ctx)
	if !number {
		doc.MetaUnlink.Attempts = r.unlinkAttempts
	}
	if !needsOps {
		return doc
	}
	doc.Status, doc.Step = domain.StatusCompletedWithWarnings, domain.StatusStep(domain.StatusCompletedWithWarnings)
	if number {
		doc.MetaUnlink.Number.Status = domain.NumberFailed
	} else {
		doc.MetaUnlink.Status = domain.UnlinkFailed
	}
	return doc
}

// abandon settles, for good, what nobody retried within the window.
func (r *removal) abandon(ctx workflow.Context) {
	const why = "nenhuma nova tentativa dentro do prazo"
	doc := r.ending(ctx, domain.StatusCompletedWithWarnings, domain.StepUnlinkAbandoned)
	if r.unlinkOwed() {
		doc.MetaUnlink.Status, doc.MetaUnlink.LastError = domain.UnlinkAbandoned, why
	}
	if r.numberOwed() {
		doc.MetaUnlink.Number.Status, doc.MetaUnlink.Number.LastError = domain.NumberFailed, why
	}
	// Retried until it lands, as an audit write is (auditOptions).
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.AbandonUnlink,
		activities.AbandonInput{Step: r.step(r.actor), Decided: domain.One(doc)}).Get(ctx, nil)
	r.take(ctx, doc)
}

func (r *removal) awaitRetryUnlink(ctx workflow.Context, deadline time.Time) (command, bool) {
	// The run may now wait for days: earlier waits' timers must not wake it.
	for _, cancel := range r.timers {
		cancel()
	}
	r.timers = nil
	// The ops alert has a timer of its own beside the window's, so Temporal
	// Web shows both waits.
	var alertTimer workflow.Future
	alertAt := r.warnedAt.Add(r.in.OpsAlertAfter.D())
	if !r.opsAlerted && alertAt.Before(deadline) {
		if wait := alertAt.Sub(workflow.Now(ctx)); wait > 0 {
			tctx, cancel := workflow.WithCancel(ctx)
			alertTimer = workflow.NewTimerWithOptions(tctx, wait, workflow.TimerOptions{
				Summary: "alerta para operações (" + domain.DurationText(r.in.OpsAlertAfter.D()) + ")"})
			r.timers = append(r.timers, cancel)
		} else {
			r.alertOps(ctx, deadline)
		}
	}
	alertDue := func() bool { return !r.opsAlerted && alertTimer != nil && alertTimer.IsReady() }
	for {
		cmd, ok := r.next(ctx, deadline, "janela para retry-unlink ("+domain.DurationText(r.in.UnlinkRetryWindow.D())+")", alertDue)
		if !ok && alertDue() {
			r.alertOps(ctx, deadline)
			continue
		}
		if !ok {
			return command{}, false
		}
		if cmd.Kind == kindRetryUnlink {
			return cmd, true
		}
		r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
	}
}

// metaError is Meta's last error: the unsubscribe's, else the number's.
func (r *removal) metaError() string {
	if r.doc.MetaUnlink.LastError == "" && r.doc.MetaUnlink.Number != nil {
		return r.doc.MetaUnlink.Number.LastError
	}
	return r.doc.MetaUnlink.LastError
}
