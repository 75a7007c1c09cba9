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
		domain.OutcomeRejected: r.ending(ctx, domain.StatusRejected, domain.StatusStep(domain.StatusRejected)),
	}
	var res activities.PreflightResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, stallOptions(preflightOptions(), r.in.AckTimeout.D())), a.Preflight,
		activities.PreflightInput{Step: r.step(r.in.Actor), RequestedBy: r.in.RequestedBy, Decided: decided}).Get(ctx, &res)
	switch {
	case err != nil && r.cancelRequested():
		r.stoppedByTemporal(ctx)
		return false
	case stalled(err): // the database was away for the whole alert's wait
		r.end(ctx, domain.StatusExpired, domain.StepStalled, r.in.Actor)
		return false
	case err != nil:
		r.finish(ctx, domain.StatusFailed, domain.StepFailed("Falha no preflight", temporalerr.Message(err)))
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

// acknowledgement waits for the alert's acknowledgement and sends the first
// code with it, answering the acknowledgement with the new state. A code
// e-mail refused by the channel's limit (too_many_codes) refuses that
// acknowledgement and nothing else: the run waits for another one.
func (r *removal) acknowledgement(ctx workflow.Context) bool {
	deadline := workflow.Now(ctx).Add(r.in.AckTimeout.D())
	r.setStatus(ctx, domain.StatusAwaitingAcknowledgement, domain.StepAwaitingAcknowledgement(deadline))
	for {
		cmd, end := r.next(ctx, deadline, "aguardando confirmação ("+domain.DurationText(r.in.AckTimeout.D())+")")
		switch end {
		case timedOut:
			r.end(ctx, domain.StatusExpired, domain.StepAcknowledgementExpired, r.in.Actor)
			return false
		case stopped:
			r.stoppedByTemporal(ctx)
			return false
		}
		switch cmd.Kind {
		case kindAcknowledge:
			r.releaseNumber = r.doc.AskReleaseNumber(cmd.ReleaseNumber)
			r.doc.Retention = domain.RetentionChosen(cmd.PurgeAfterDays)
			// The acknowledgement is recorded by the first code's send, in its transaction.
			err := r.sendCode(ctx, cmd.Actor, deadline)
			if err == nil {
				r.setAwaitingCode(ctx)
				r.reply(cmd, nil)
				return true
			}
			r.releaseNumber = r.doc.AskReleaseNumber(false)
			r.doc.Retention = nil
			switch de := temporalerr.AsDomain(err); {
			case r.cancelRequested():
				r.stoppedByTemporal(ctx)
				r.reply(cmd, Refusal(cmd.Kind, r.doc.Status))
				return false
			case stalled(err): // the database or SendGrid, away until the alert's deadline
				r.end(ctx, domain.StatusExpired, domain.StepStalled, r.in.Actor)
				r.reply(cmd, Refusal(cmd.Kind, r.doc.Status))
				return false
			case de.Code == domain.CodeTooManyCodes:
				r.refuse(cmd, de)
			default:
				r.finish(ctx, domain.StatusFailed, domain.StepFailed("Não foi possível enviar o código de verificação", de.Message))
				r.reply(cmd, nil)
				return false
			}
		case kindCancel:
			r.cancel(ctx, cmd)
			return false
		default:
			r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
		}
	}
}

// purgeAfterDays is the retention the first code's send records.
func (r *removal) purgeAfterDays(first bool) int {
	if !first || r.doc.Retention == nil {
		return 0
	}
	return r.doc.Retention.PurgeAfterDays
}

func (r *removal) setAwaitingCode(ctx workflow.Context) {
	r.setStatus(ctx, domain.StatusAwaitingCode, domain.StepAwaitingCode(r.doc.CodeSentTo, *r.doc.CodeExpiresAt, r.doc.AttemptsLeft))
}

// sendCode sends a code; a failure that is not a refusal is retried until
// deadline, the wait's own.
func (r *removal) sendCode(ctx workflow.Context, actor domain.Actor, deadline time.Time) error {
	r.sendSeq++
	first := r.doc.CodeSentAt == nil // the first code that went out records the acknowledgement
	decided := domain.Decided{domain.OutcomeCodeSent: r.decide(ctx, domain.StatusAwaitingCode, domain.StatusStep(domain.StatusAwaitingCode))}
	var res activities.SendCodeResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, stallOptions(sendCodeOptions(), deadline.Sub(workflow.Now(ctx)))), a.SendVerificationCode,
		activities.SendCodeInput{Step: r.step(actor), ChannelName: r.channelName(), Seq: r.sendSeq, Acknowledged: first,
			ReleaseNumber: first && r.releaseNumber, PurgeAfterDays: r.purgeAfterDays(first), Decided: decided}).Get(ctx, &res)
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
		switch end {
		case timedOut:
			r.end(ctx, domain.StatusExpired, domain.StepCodeNotEntered, r.in.Actor)
			return command{}, false
		case stopped:
			r.stoppedByTemporal(ctx)
			return command{}, false
		}
		switch cmd.Kind {
		case kindVerify:
			v, err := r.checkCode(ctx, cmd)
			switch {
			case err != nil && r.cancelRequested():
				r.stoppedByTemporal(ctx)
				r.reply(cmd, Refusal(cmd.Kind, r.doc.Status))
				return command{}, false
			case stalled(err): // the database was away until the code expired
				r.end(ctx, domain.StatusExpired, domain.StepStalled, r.in.Actor)
				r.reply(cmd, domain.Errorf(domain.CodeCodeExpired, "o código expirou; inicie uma nova remoção"))
				return command{}, false
			case err != nil:
				r.finish(ctx, domain.StatusFailed, domain.StepFailed("Falha ao verificar o código", temporalerr.Message(err)))
				r.refuse(cmd, temporalerr.AsDomain(err))
				return command{}, false
			}
			switch {
			case v.OK:
				return cmd, true
			case v.Locked:
				if v.GuessLimit {
					r.notifyGuessLimit(ctx, cmd.Actor)
				}
				r.end(ctx, domain.StatusLocked, domain.StepLocked(), cmd.Actor)
				r.refuse(cmd, domain.Errorf(domain.CodeLocked, "muitas tentativas incorretas; a remoção foi bloqueada").With("attempts_left", 0))
				return command{}, false
			case v.Expired:
				r.end(ctx, domain.StatusExpired, domain.StepCodeExpired, cmd.Actor)
				r.refuse(cmd, domain.Errorf(domain.CodeCodeExpired, "o código expirou; inicie uma nova remoção"))
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
// wrong one, it waits for the next (awaiting_code); an expired code or a
// lock end the run, with a record of their own.
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
