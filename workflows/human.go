package workflows

// The human part of a removal: the preflight, the irreversible-removal alert
// and the verification code, until a code is verified.

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// preflight runs the checks; the alert's wait starts in the same task, so
// the document it passes to names the wait's deadline.
func (r *removal) preflight(ctx workflow.Context) bool {
	deadline := workflow.Now(ctx).Add(r.in.AckTimeout.D())
	decided := domain.Decided{
		domain.OutcomePassed:   r.decide(ctx, domain.StatusAwaitingAcknowledgement, domain.StepAwaitingAcknowledgement(deadline)),
		domain.OutcomeRejected: r.doc.Ended(domain.StatusRejected, domain.StatusStep(domain.StatusRejected), workflow.Now(ctx)),
	}
	var res activities.PreflightResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, stallOptions(preflightOptions(), r.in.AckTimeout.D())), a.Preflight,
		activities.PreflightInput{Step: r.step(r.in.Actor), RequestedBy: r.in.RequestedBy, Decided: decided}).Get(ctx, &res)
	if r.failed(ctx, err, "Falha no preflight") {
		return false
	}
	doc, _ := decided.For(res.Outcome(), res.Facts())
	if !res.OK {
		doc.Step = domain.StepRejected(res.Reasons)
		r.take(ctx, doc)
		return false
	}
	r.doc = doc // published as the alert's wait begins
	return true
}

// failed ends the run on a step's error, if any: cancelled when ops
// cancelled it meanwhile, expired when its dependency stayed away past the
// wait's deadline (a stall is a wait, not a failure), else failed for good,
// recorded like every end (since r7: the read model said the state before).
func (r *removal) failed(ctx workflow.Context, err error, what string) bool {
	switch {
	case err == nil:
		return false
	case r.cancelRequested():
		r.stoppedByTemporal(ctx)
	case stalled(err):
		r.end(ctx, domain.StatusExpired, domain.StepStalled, r.in.Actor)
	default:
		r.end(ctx, domain.StatusFailed, domain.StepFailed(what, temporalerr.Message(err)), r.in.Actor)
	}
	return true
}

// waitEnded ends the run when a wait got no input: expired (with step) at
// its deadline, cancelled when ops cancelled it from Temporal.
func (r *removal) waitEnded(ctx workflow.Context, end waitEnd, step string) bool {
	switch end {
	case timedOut:
		r.end(ctx, domain.StatusExpired, step, r.in.Actor)
	case stopped:
		r.stoppedByTemporal(ctx)
	default:
		return false
	}
	return true
}

// acknowledgement waits for the alert's acknowledgement and sends the first
// code with it. A code e-mail refused by the channel's limit (too_many_codes)
// refuses that acknowledgement only: the run waits for another.
func (r *removal) acknowledgement(ctx workflow.Context) bool {
	deadline := workflow.Now(ctx).Add(r.in.AckTimeout.D())
	r.setStatus(ctx, domain.StatusAwaitingAcknowledgement, domain.StepAwaitingAcknowledgement(deadline))
	for {
		cmd, end := r.next(ctx, deadline, "aguardando confirmação ("+domain.DurationText(r.in.AckTimeout.D())+")")
		if r.waitEnded(ctx, end, domain.StepAcknowledgementExpired) {
			return false
		}
		switch cmd.Kind {
		case kindAcknowledge:
			r.releaseNumber = r.doc.AskReleaseNumber(cmd.ReleaseNumber)
			r.doc.Retention = domain.RetentionChosen(cmd.PurgeAfterDays)
			err := r.sendCode(ctx, cmd.Actor, deadline) // records the acknowledgement, in its transaction
			if err == nil {
				r.setAwaitingCode(ctx)
				r.reply(cmd, nil)
				return true
			}
			r.releaseNumber = r.doc.AskReleaseNumber(false)
			r.doc.Retention = nil
			if de := temporalerr.AsDomain(err); de.Code == domain.CodeTooManyCodes && !r.cancelRequested() {
				r.refuse(cmd, de)
				continue
			}
			r.failed(ctx, err, "Não foi possível enviar o código de verificação")
			if r.doc.Status == domain.StatusFailed {
				r.reply(cmd, nil)
			} else {
				r.reply(cmd, Refusal(cmd.Kind, r.doc.Status))
			}
			return false
		case kindCancel:
			r.cancel(ctx, cmd)
			return false
		default:
			r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
		}
	}
}

func (r *removal) cancel(ctx workflow.Context, cmd command) {
	r.end(ctx, domain.StatusCancelled, domain.StatusStep(domain.StatusCancelled), cmd.Actor)
	r.reply(cmd, nil)
}

func (r *removal) setAwaitingCode(ctx workflow.Context) {
	r.setStatus(ctx, domain.StatusAwaitingCode, domain.StepAwaitingCode(r.doc.CodeSentTo, *r.doc.CodeExpiresAt, r.doc.AttemptsLeft))
}

// sendCode sends a code; a failure that is not a refusal is retried until
// deadline, the wait's own. The first code records the acknowledgement.
func (r *removal) sendCode(ctx workflow.Context, actor domain.Actor, deadline time.Time) error {
	r.sendSeq++
	first, purgeAfterDays := r.doc.CodeSentAt == nil, 0
	if first && r.doc.Retention != nil {
		purgeAfterDays = r.doc.Retention.PurgeAfterDays
	}
	decided := domain.Decided{domain.OutcomeCodeSent: r.decide(ctx, domain.StatusAwaitingCode, domain.StatusStep(domain.StatusAwaitingCode))}
	var res activities.SendCodeResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, stallOptions(sendCodeOptions(), deadline.Sub(workflow.Now(ctx)))), a.SendVerificationCode,
		activities.SendCodeInput{Step: r.step(actor), ChannelName: r.channelName(), Seq: r.sendSeq, Acknowledged: first,
			ReleaseNumber: first && r.releaseNumber, PurgeAfterDays: purgeAfterDays, Decided: decided}).Get(ctx, &res)
	if err != nil {
		return err
	}
	doc, _ := decided.For(domain.OutcomeCodeSent, res.Facts())
	sentAt := workflow.Now(ctx)
	doc.CodeSentAt = &sentAt
	r.doc = doc // published by setAwaitingCode, with where the code went
	return nil
}

// awaitCode handles codes, resends and cancel until a code is verified.
func (r *removal) awaitCode(ctx workflow.Context) (command, bool) {
	for {
		cmd, end := r.next(ctx, *r.doc.CodeExpiresAt, "aguardando código ("+domain.DurationText(r.doc.CodeExpiresAt.Sub(*r.doc.CodeSentAt))+")")
		if r.waitEnded(ctx, end, domain.StepCodeNotEntered) {
			return command{}, false
		}
		switch cmd.Kind {
		case kindVerify:
			v, err := r.checkCode(ctx, cmd)
			switch {
			case r.failed(ctx, err, "Falha ao verificar o código") && r.doc.Status == domain.StatusFailed:
				r.refuse(cmd, temporalerr.AsDomain(err))
				return command{}, false
			case err != nil: // cancelled, or the database away until the code expired
				r.reply(cmd, Refusal(cmd.Kind, r.doc.Status))
				return command{}, false
			case v.OK:
				return cmd, true
			case v.Locked:
				if v.GuessLimit {
					r.notifyGuessLimit(ctx, cmd.Actor)
				}
				r.end(ctx, domain.StatusLocked, domain.StepLocked(), cmd.Actor)
				r.refuse(cmd, Refusal(cmd.Kind, domain.StatusLocked))
				return command{}, false
			case v.Expired:
				r.end(ctx, domain.StatusExpired, domain.StepCodeExpired, cmd.Actor)
				r.refuse(cmd, Refusal(cmd.Kind, domain.StatusExpired))
				return command{}, false
			default:
				r.setAwaitingCode(ctx)
				r.refuse(cmd, domain.Errorf(domain.CodeInvalidCode, "código incorreto").With("attempts_left", v.AttemptsLeft))
			}
		case kindResend:
			if e := r.resendTooSoon(ctx); e != nil {
				r.refuse(cmd, e)
				continue
			}
			if err := r.sendCode(ctx, cmd.Actor, *r.doc.CodeExpiresAt); err != nil {
				r.refuse(cmd, temporalerr.AsDomain(err))
				continue // a cancellation or the code's expiry ends the run at the next wait
			}
			r.setAwaitingCode(ctx)
			r.reply(cmd, nil)
		case kindCancel:
			r.cancel(ctx, cmd)
			return command{}, false
		default:
			r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
		}
	}
}

// checkCode checks one code: verified, the removal goes on (removing); a
// wrong one, it waits for the next; an expired code or a lock end the run.
func (r *removal) checkCode(ctx workflow.Context, cmd command) (activities.VerifyResult, error) {
	r.attemptSeq++
	decided := domain.Decided{
		domain.OutcomeVerified:  r.decide(ctx, domain.StatusRemoving, domain.StatusStep(domain.StatusRemoving)),
		domain.OutcomeWrongCode: r.decide(ctx, domain.StatusAwaitingCode, domain.StatusStep(domain.StatusAwaitingCode)),
	}
	var v activities.VerifyResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, stallOptions(verifyOptions(), r.doc.CodeExpiresAt.Sub(workflow.Now(ctx)))), a.VerifyCode,
		activities.VerifyInput{Step: r.step(cmd.Actor), Seq: r.attemptSeq, CodeHash: cmd.CodeHash, Decided: decided}).Get(ctx, &v)
	if err != nil {
		return v, err
	}
	if doc, ok := decided.For(v.Outcome(), v.Facts()); ok {
		r.doc = doc
	} else {
		v.Facts().Apply(&r.doc)
	}
	return v, nil
}

func (r *removal) resendTooSoon(ctx workflow.Context) *domain.Error {
	if r.doc.CodeSentAt == nil {
		return nil
	}
	if wait := r.doc.CodeSentAt.Add(r.in.ResendInterval.D()).Sub(workflow.Now(ctx)); wait > 0 {
		return domain.Errorf(domain.CodeResendTooSoon, "aguarde antes de pedir um novo código").
			With("retry_after", int((wait+time.Second-1)/time.Second))
	}
	return nil
}
