package workflows

// The inbox: human inputs (signals and updates) as commands, waited for in
// order, and the answers owed to updates.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
)

// Command kinds in the inbox: the signal each input is or mirrors.
const (
	kindAcknowledge = SignalAcknowledge
	kindVerify      = SignalVerifyCode
	kindResend      = SignalResendCode
	kindCancel      = SignalCancel
	kindRetryUnlink = SignalRetryUnlink
)

// command is one human input, from a signal (ID "") or an update (its update id).
type command struct {
	ID       string
	Kind     string
	CodeHash string
	Actor    domain.Actor
	// ReleaseNumber and PurgeAfterDays come with an acknowledgement (SPEC §7, §8).
	ReleaseNumber  bool
	PurgeAfterDays int
}

type answer struct {
	Doc domain.Removal
	Err *domain.Error
}

// waitEnd is how a wait for a human input ended.
type waitEnd int

const (
	gotInput waitEnd = iota
	// timedOut: the deadline passed, or a wake condition came true first.
	timedOut
	// stopped: the run was cancelled from Temporal (Web, CLI, a batch).
	stopped
)

// next waits for the next human input until deadline, and tells a timeout
// from a cancellation: a run cancelled by ops ends differently from one
// nobody answered. summary labels the wait's timer in Temporal Web.
func (r *removal) next(ctx workflow.Context, deadline time.Time, summary string, wake ...func() bool) (command, waitEnd) {
	woken := func() bool {
		for _, w := range wake {
			if w() {
				return true
			}
		}
		return false
	}
	if r.cancelRequested() {
		return command{}, stopped
	}
	if len(r.inbox) == 0 {
		remaining := deadline.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			return command{}, timedOut
		}
		// A timer of our own, left to lapse when the input comes first:
		// cancelling it would cost a history event, and it fires after the
		// run ends (or is cancelled before a long wait, awaitRetryUnlink).
		tctx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimerWithOptions(tctx, remaining, workflow.TimerOptions{Summary: summary})
		r.timers = append(r.timers, cancel)
		err := workflow.Await(ctx, func() bool { return len(r.inbox) > 0 || timer.IsReady() || woken() || r.cancelRequested() })
		switch {
		case err != nil || r.cancelRequested():
			return command{}, stopped
		case len(r.inbox) == 0:
			return command{}, timedOut
		}
	}
	cmd := r.inbox[0]
	r.inbox = r.inbox[1:]
	return cmd, gotInput
}

// answerDone answers the verification that is owed the outcome, if any.
func (r *removal) answerDone() {
	if r.done != nil {
		r.reply(*r.done, nil)
		r.done = nil
	}
}

func (r *removal) reply(cmd command, err *domain.Error) {
	if cmd.ID != "" {
		r.answers[cmd.ID] = answer{Doc: r.doc, Err: err}
	}
}

func (r *removal) refuse(cmd command, err *domain.Error) {
	r.reply(cmd, err)
	if cmd.ID == "" {
		r.doc.Notes = append(r.doc.Notes, fmt.Sprintf("Sinal %q ignorado: %s", cmd.Kind, err.Message))
	}
}

// refuseRemaining answers inputs that arrived too late, so no update waits forever.
func (r *removal) refuseRemaining() {
	for _, cmd := range r.inbox {
		if cmd.ID != "" {
			r.answers[cmd.ID] = answer{Doc: r.doc, Err: Refusal(cmd.Kind, r.doc.Status)}
		}
	}
	r.inbox = nil
}
