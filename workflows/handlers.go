package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// setup registers the query, the signals and the updates. Handlers only put
// inputs into the inbox (serializable state), noting nothing: the run
// decides, and writes a signal's note as it takes it (removal.next).
func (r *removal) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (domain.Removal, error) { return r.doc, nil }); err != nil {
		return err
	}
	signals := workflow.NewSelector(ctx)
	onSignal(ctx, r, signals, SignalAcknowledge, func(v AcknowledgeRequest) (command, bool) {
		cmd := command{Kind: kindAcknowledge, Actor: v.Actor, ReleaseNumber: v.ReleaseNumber, PurgeAfterDays: v.PurgeAfterDays}
		if !domain.ValidPurgeAfterDays(v.PurgeAfterDays) { // the API refuses it; a signal's is kept as history
			cmd.PurgeAfterDays, cmd.Note = 0, "purge_after_days ignorado no sinal: "+domain.PurgeAfterDaysRefusal+"; o histórico é mantido"
		}
		return cmd, v.Acknowledged
	})
	onSignal(ctx, r, signals, SignalVerifyCode, func(v VerifyCodeRequest) (command, bool) {
		return command{Kind: kindVerify, CodeHash: v.CodeHash, Actor: v.Actor}, true
	})
	onSignal(ctx, r, signals, SignalResendCode, func(v ActorRequest) (command, bool) { return command{Kind: kindResend, Actor: v.Actor}, true })
	onSignal(ctx, r, signals, SignalCancel, func(v ActorRequest) (command, bool) { return command{Kind: kindCancel, Actor: v.Actor}, true })
	onSignal(ctx, r, signals, SignalRetryUnlink, func(v ActorRequest) (command, bool) { return command{Kind: kindRetryUnlink, Actor: v.Actor}, true })
	listen(ctx, signals)

	updates := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateAcknowledge,
			func(ctx workflow.Context, v AcknowledgeRequest) (Outcome, error) {
				return r.submit(ctx, command{Kind: kindAcknowledge, Actor: v.Actor, ReleaseNumber: v.ReleaseNumber, PurgeAfterDays: v.PurgeAfterDays})
			},
			func(ctx workflow.Context, v AcknowledgeRequest) error {
				if !v.Acknowledged {
					return temporalerr.Encode(domain.Errorf(domain.CodeInvalid, "confirme o alerta com acknowledged=true"))
				}
				if !domain.ValidPurgeAfterDays(v.PurgeAfterDays) {
					return temporalerr.Encode(domain.Errorf(domain.CodeInvalid, "%s", domain.PurgeAfterDaysRefusal))
				}
				// Judged once the preflight has said what the channel is.
				if im := r.doc.Impact; v.ReleaseNumber && im != nil {
					if why := domain.NumberReleaseRefusal(im.Kind, im.Disconnected, im.Coexistence); why != "" {
						return temporalerr.Encode(domain.Errorf(domain.CodeInvalid, "%s", why))
					}
				}
				// During the preflight too: the run answers it once the
				// preflight's outcome is known (an admin's click that reached a
				// run whose first task was being redone after a crash).
				return r.expect(kindAcknowledge, domain.StatusPreflight, domain.StatusAwaitingAcknowledgement)
			}},
		{UpdateVerifyCode,
			func(ctx workflow.Context, v VerifyCodeRequest) (Outcome, error) {
				return r.submit(ctx, command{Kind: kindVerify, CodeHash: v.CodeHash, Actor: v.Actor})
			},
			func(ctx workflow.Context, v VerifyCodeRequest) error {
				return r.expect(kindVerify, domain.StatusAwaitingCode)
			}},
		{UpdateResendCode,
			func(ctx workflow.Context, v ActorRequest) (Outcome, error) {
				return r.submit(ctx, command{Kind: kindResend, Actor: v.Actor})
			},
			func(ctx workflow.Context, v ActorRequest) error {
				if err := r.expect(kindResend, domain.StatusAwaitingCode); err != nil {
					return err
				}
				if e := r.resendTooSoon(ctx); e != nil {
					return temporalerr.Encode(e)
				}
				return nil
			}},
		{UpdateCancel,
			func(ctx workflow.Context, v ActorRequest) (Outcome, error) {
				return r.submit(ctx, command{Kind: kindCancel, Actor: v.Actor})
			},
			func(ctx workflow.Context, v ActorRequest) error {
				return r.expect(kindCancel, domain.StatusPreflight, domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode)
			}},
	}
	for _, u := range updates {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, u.name, u.handler, workflow.UpdateHandlerOptions{Validator: u.validate}); err != nil {
			return err
		}
	}
	return nil
}

// onSignal has the selector take signal name into the inbox. A payload that
// asks nothing (acknowledged=false) is noted and dropped. A signal is ops'
// (domain.SignalActor): whom its payload names is kept as a claim only.
func onSignal[T any](ctx workflow.Context, r *removal, sel workflow.Selector, name string, toCommand func(T) (command, bool)) {
	receive(ctx, sel, name, func(v T) {
		cmd, ok := toCommand(v)
		if !ok {
			cmd = command{Kind: name, Drop: true, Note: "Sinal " + name + " ignorado: confirme com {\"acknowledged\": true}"}
		}
		cmd.Actor = domain.SignalActor(cmd.Actor)
		r.inbox.put(cmd)
	})
}

// receive has the selector hand signal name's payloads to put.
func receive[T any](ctx workflow.Context, sel workflow.Selector, name string, put func(T)) {
	sel.AddReceive(workflow.GetSignalChannel(ctx, name), func(ch workflow.ReceiveChannel, _ bool) {
		var v T
		ch.Receive(ctx, &v)
		put(v)
	})
}

// listen starts the one coroutine that drains every signal into the inbox:
// the SDK resumes each live coroutine on every pass of every workflow task.
func listen(ctx workflow.Context, signals workflow.Selector) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			signals.Select(ctx)
		}
	})
}

// awaitAnswer waits for the run to answer update id, on a disconnected
// context: a cancellation from Temporal ends the run, which answers every
// command it holds (refuseRemaining), so the update gets the run's answer
// (409 cancelled) rather than a cancellation error that a retry with the
// same UpdateID would get back for ever.
func awaitAnswer[A any](ctx workflow.Context, answers map[string]A, id string) (A, error) {
	wait, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.Await(wait, func() bool { _, ok := answers[id]; return ok })
	return answers[id], err
}

// submit queues an update's command and waits for the run to answer it.
func (r *removal) submit(ctx workflow.Context, cmd command) (Outcome, error) {
	cmd.ID = workflow.GetCurrentUpdateInfo(ctx).ID
	r.inbox.put(cmd)
	ans, err := awaitAnswer(ctx, r.answers, cmd.ID)
	if err != nil {
		return r.outcome(), err
	}
	delete(r.answers, cmd.ID)
	if ans.Err != nil {
		return Outcome{}, temporalerr.Encode(ans.Err)
	}
	return ans.Out, nil
}

// expect is a validator: the update is refused, and never enters history,
// unless the removal is in one of the statuses.
func (r *removal) expect(action string, statuses ...domain.Status) error {
	for _, s := range statuses {
		if r.doc.Status == s {
			return nil
		}
	}
	return temporalerr.Encode(Refusal(action, r.doc.Status))
}
