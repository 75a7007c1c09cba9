package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// Command kinds: the signal each input is or mirrors.
const (
	kindAcknowledge = SignalAcknowledge
	kindVerify      = SignalVerifyCode
	kindResend      = SignalResendCode
	kindCancel      = SignalCancel
	kindRetryUnlink = SignalRetryUnlink
)

// command is one human input, from a signal (ID "") or an update (its id).
// Note is what the run notes of a signal's value it ignored; Drop: the
// signal asked nothing (acknowledged=false), noted and not acted on.
type command struct {
	ID             string
	Kind           string
	CodeHash       string
	Actor          domain.Actor
	ReleaseNumber  bool // with an acknowledgement (SPEC §7, §8)
	PurgeAfterDays int
	Note           string
	Drop           bool
}

// answer is an update's: the run's outcome then, or a refusal.
type answer struct {
	Out Outcome
	Err *domain.Error
}

// setup registers the query, the signals and the updates. Handlers only put
// inputs into the inbox; the run decides, and notes a signal's note as it
// takes it (removal.next).
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
	for _, kind := range []string{kindResend, kindCancel, kindRetryUnlink} {
		onSignal(ctx, r, signals, kind, func(v ActorRequest) (command, bool) { return command{Kind: kind, Actor: v.Actor}, true })
	}
	listen(ctx, signals)

	if err := onUpdate(ctx, r, UpdateAcknowledge, func(v AcknowledgeRequest) command {
		return command{Kind: kindAcknowledge, Actor: v.Actor, ReleaseNumber: v.ReleaseNumber, PurgeAfterDays: v.PurgeAfterDays}
	}, func(ctx workflow.Context, v AcknowledgeRequest) error {
		if !v.Acknowledged {
			return temporalerr.Encode(domain.Errorf(domain.CodeInvalid, "confirme o alerta com acknowledged=true"))
		}
		if !domain.ValidPurgeAfterDays(v.PurgeAfterDays) {
			return temporalerr.Encode(domain.Errorf(domain.CodeInvalid, "%s", domain.PurgeAfterDaysRefusal))
		}
		if im := r.doc.Impact; v.ReleaseNumber && im != nil { // judged once the preflight said what the channel is
			if why := domain.NumberReleaseRefusal(im.Kind, im.Disconnected, im.Coexistence); why != "" {
				return temporalerr.Encode(domain.Errorf(domain.CodeInvalid, "%s", why))
			}
		}
		// During the preflight too: answered once its outcome is known (a
		// click that reached a run whose first task was redone after a crash).
		return r.expect(kindAcknowledge, domain.StatusPreflight, domain.StatusAwaitingAcknowledgement)
	}); err != nil {
		return err
	}
	if err := onUpdate(ctx, r, UpdateVerifyCode, func(v VerifyCodeRequest) command {
		return command{Kind: kindVerify, CodeHash: v.CodeHash, Actor: v.Actor}
	}, func(ctx workflow.Context, v VerifyCodeRequest) error {
		return r.expect(kindVerify, domain.StatusAwaitingCode)
	}); err != nil {
		return err
	}
	if err := onUpdate(ctx, r, UpdateResendCode, func(v ActorRequest) command { return command{Kind: kindResend, Actor: v.Actor} },
		func(ctx workflow.Context, v ActorRequest) error {
			if err := r.expect(kindResend, domain.StatusAwaitingCode); err != nil {
				return err
			}
			return encodeRefusal(r.resendTooSoon(ctx))
		}); err != nil {
		return err
	}
	return onUpdate(ctx, r, UpdateCancel, func(v ActorRequest) command { return command{Kind: kindCancel, Actor: v.Actor} },
		func(ctx workflow.Context, v ActorRequest) error {
			return r.expect(kindCancel, domain.StatusPreflight, domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode)
		})
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

// onUpdate registers update name: validate refuses it before it enters
// history; the handler queues its command and waits for the run's answer.
func onUpdate[T any](ctx workflow.Context, r *removal, name string, toCommand func(T) command, validate func(workflow.Context, T) error) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name, func(ctx workflow.Context, v T) (Outcome, error) {
		cmd := toCommand(v)
		cmd.ID = workflow.GetCurrentUpdateInfo(ctx).ID
		ans, err := r.inbox.submit(ctx, cmd)
		switch {
		case err != nil:
			return r.outcome(), err
		case ans.Err != nil:
			return Outcome{}, temporalerr.Encode(ans.Err)
		}
		return ans.Out, nil
	}, workflow.UpdateHandlerOptions{Validator: validate})
}

// expect is a validator: the update is refused unless the removal is in one
// of the statuses.
func (r *removal) expect(action string, statuses ...domain.Status) error {
	for _, s := range statuses {
		if r.doc.Status == s {
			return nil
		}
	}
	return temporalerr.Encode(Refusal(action, r.doc.Status))
}
