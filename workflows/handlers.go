package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
)

// setup registers the query, the signal listeners and the updates. Handlers
// only put inputs into the inbox (serializable state); run decides.
func (r *removal) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Removal, error) { return r.doc, nil }); err != nil {
		return err
	}
	signals := newSignals(ctx, r)
	onSignal(signals, SignalAcknowledge, func(v AcknowledgeRequest) (command, bool) {
		return command{Kind: kindAcknowledge, Actor: v.Actor}, v.Acknowledged
	})
	onSignal(signals, SignalVerifyCode, func(v VerifyCodeRequest) (command, bool) {
		return command{Kind: kindVerify, CodeHash: v.CodeHash, Actor: v.Actor}, true
	})
	onSignal(signals, SignalResendCode, func(v ActorRequest) (command, bool) { return command{Kind: kindResend, Actor: v.Actor}, true })
	onSignal(signals, SignalCancel, func(v ActorRequest) (command, bool) { return command{Kind: kindCancel, Actor: v.Actor}, true })
	onSignal(signals, SignalRetryUnlink, func(v ActorRequest) (command, bool) { return command{Kind: kindRetryUnlink, Actor: v.Actor}, true })
	signals.listen()

	if err := workflow.SetUpdateHandler(ctx, UpdateAwaitPreflight, func(ctx workflow.Context) (Removal, error) {
		err := workflow.Await(ctx, func() bool { return r.doc.Status != "" && r.doc.Status != domain.StatusPreflight })
		return r.doc, err
	}); err != nil {
		return err
	}
	updates := []struct {
		name     string
		handler  any
		validate any
	}{
		{UpdateAcknowledge,
			func(ctx workflow.Context, v AcknowledgeRequest) (Removal, error) {
				return r.submit(ctx, command{Kind: kindAcknowledge, Actor: v.Actor})
			},
			func(ctx workflow.Context, v AcknowledgeRequest) error {
				if !v.Acknowledged {
					return toApp(domain.Errorf(domain.CodeInvalid, "confirme o alerta com acknowledged=true"))
				}
				return r.expect(kindAcknowledge, domain.StatusAwaitingAcknowledgement)
			}},
		{UpdateVerifyCode,
			func(ctx workflow.Context, v VerifyCodeRequest) (Removal, error) {
				return r.submit(ctx, command{Kind: kindVerify, CodeHash: v.CodeHash, Actor: v.Actor})
			},
			func(ctx workflow.Context, v VerifyCodeRequest) error {
				return r.expect(kindVerify, domain.StatusAwaitingCode)
			}},
		{UpdateResendCode,
			func(ctx workflow.Context, v ActorRequest) (Removal, error) {
				return r.submit(ctx, command{Kind: kindResend, Actor: v.Actor})
			},
			func(ctx workflow.Context, v ActorRequest) error {
				if err := r.expect(kindResend, domain.StatusAwaitingCode); err != nil {
					return err
				}
				if e := r.resendTooSoon(ctx); e != nil {
					return toApp(e)
				}
				return nil
			}},
		{UpdateCancel,
			func(ctx workflow.Context, v ActorRequest) (Removal, error) {
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

// signals drains the signal channels into the inbox; a payload that asks
// nothing (acknowledged=false) is noted and dropped. Runs of leanOneListener
// have one coroutine select over every channel; older runs replay with one
// coroutine per channel.
type signals struct {
	ctx     workflow.Context
	r       *removal
	sel     workflow.Selector
	loop    workflow.Context // the selecting coroutine's, where its cases receive
	perChan []func(workflow.Context)
}

func newSignals(ctx workflow.Context, r *removal) *signals {
	return &signals{ctx: ctx, r: r, sel: workflow.NewSelector(ctx)}
}

func onSignal[T any](s *signals, name string, toCommand func(T) (command, bool)) {
	ch := workflow.GetSignalChannel(s.ctx, name)
	take := func(ctx workflow.Context) {
		var v T
		ch.Receive(ctx, &v)
		cmd, ok := toCommand(v)
		if !ok {
			s.r.doc.Notes = append(s.r.doc.Notes, "Sinal "+name+" ignorado: confirme com {\"acknowledged\": true}")
			return
		}
		s.r.inbox = append(s.r.inbox, cmd)
	}
	if s.r.oneListener {
		s.sel.AddReceive(ch, func(workflow.ReceiveChannel, bool) { take(s.loop) })
		return
	}
	s.perChan = append(s.perChan, take)
}

func (s *signals) listen() {
	if s.r.oneListener {
		workflow.Go(s.ctx, func(ctx workflow.Context) {
			s.loop = ctx
			for {
				s.sel.Select(ctx)
			}
		})
		return
	}
	for _, take := range s.perChan {
		workflow.Go(s.ctx, func(ctx workflow.Context) {
			for {
				take(ctx)
			}
		})
	}
}

// submit queues an update's command and waits for run to answer it.
func (r *removal) submit(ctx workflow.Context, cmd command) (Removal, error) {
	cmd.ID = workflow.GetCurrentUpdateInfo(ctx).ID
	r.inbox = append(r.inbox, cmd)
	if err := workflow.Await(ctx, func() bool { _, ok := r.answers[cmd.ID]; return ok }); err != nil {
		return r.doc, err
	}
	ans := r.answers[cmd.ID]
	delete(r.answers, cmd.ID)
	if ans.Err != nil {
		return ans.Doc, toApp(ans.Err)
	}
	return ans.Doc, nil
}

// expect is a validator: the update is refused, and never enters history,
// unless the removal is in one of the statuses.
func (r *removal) expect(action string, statuses ...domain.Status) error {
	for _, s := range statuses {
		if r.doc.Status == s {
			return nil
		}
	}
	return toApp(Refusal(action, r.doc.Status))
}
