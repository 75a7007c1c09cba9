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
	// Note is what the run notes of a signal's value it ignored; Drop: the
	// signal asked nothing (acknowledged=false), noted and not acted on.
	Note string
	Drop bool
}

type answer struct {
	Out Outcome
	Err *domain.Error
}

// waitEnd is how a wait for a human input ended.
type waitEnd int

const (
	gotInput waitEnd = iota
	// timedOut: the deadline passed.
	timedOut
	// stopped: the run was cancelled from Temporal (Web, CLI, a batch).
	stopped
)

// inbox holds the inputs (signals and updates) a run has yet to act on, in
// the order they came: handlers only put into it, the run takes from it.
// Both workflows wait on it the same way.
type inbox[C any] struct {
	queue []C
	// stopped says ops cancelled the run from Temporal; a wait on a context
	// the cancellation does not reach (a removal past its code) reads it here.
	stopped func() bool
}

func (b *inbox[C]) put(c C) { b.queue = append(b.queue, c) }

// drain takes every input left.
func (b *inbox[C]) drain() []C {
	q := b.queue
	b.queue = nil
	return q
}

// next waits for the next input until deadline (zero: no deadline) and
// tells an input from a timeout and from a cancellation: a run cancelled by
// ops ends differently from one nobody answered. summary labels the wait's
// timer in Temporal Web. The timer is cancelled when an input comes first,
// so no earlier wait's timer wakes a run that waits for days.
//
// This is what workflow.AwaitWithOptions does, written out: that function
// cancels its timer only under an SDK flag recorded in new histories, and the
// purges in flight (auto-upgrading, their histories written by the inbox
// this one replaces, which cancelled its timer) would replay it without the
// flag, not cancel, and fail.
func (b *inbox[C]) next(ctx workflow.Context, deadline time.Time, summary string) (C, waitEnd) {
	var none C
	if b.stopped() {
		return none, stopped
	}
	if len(b.queue) == 0 {
		var timer workflow.Future
		if !deadline.IsZero() {
			remaining := deadline.Sub(workflow.Now(ctx))
			if remaining <= 0 {
				return none, timedOut
			}
			tctx, cancel := workflow.WithCancel(ctx)
			defer cancel()
			timer = workflow.NewTimerWithOptions(tctx, remaining, workflow.TimerOptions{Summary: summary})
		}
		err := workflow.Await(ctx, func() bool { return len(b.queue) > 0 || b.stopped() || (timer != nil && timer.IsReady()) })
		switch {
		case err != nil || b.stopped():
			return none, stopped
		case len(b.queue) == 0:
			return none, timedOut
		}
	}
	c := b.queue[0]
	b.queue = b.queue[1:]
	return c, gotInput
}

// next is the removal's next input: a signal's note (a value it ignored) is
// written as the run takes it, and a signal that asked nothing is dropped
// there, so handlers only store inputs.
func (r *removal) next(ctx workflow.Context, deadline time.Time, summary string) (command, waitEnd) {
	for {
		cmd, end := r.inbox.next(ctx, deadline, summary)
		if end != gotInput {
			return cmd, end
		}
		if cmd.Note != "" {
			r.note(cmd.Note)
		}
		if !cmd.Drop {
			return cmd, end
		}
	}
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
		r.answers[cmd.ID] = answer{Out: r.outcome(), Err: err}
	}
}

func (r *removal) refuse(cmd command, err *domain.Error) {
	r.reply(cmd, err)
	if cmd.ID == "" {
		r.note(fmt.Sprintf("Sinal %q ignorado: %s", cmd.Kind, err.Message))
	}
}

// note adds a note unless it is the last one already: a signal sent over and
// over (a daily ops batch) notes once, and the document stays small.
func (r *removal) note(n string) {
	if k := len(r.doc.Notes); k == 0 || r.doc.Notes[k-1] != n {
		r.doc.Notes = append(r.doc.Notes, n)
	}
}

// refuseRemaining answers inputs that arrived too late, so no update waits forever.
func (r *removal) refuseRemaining() {
	for _, cmd := range r.inbox.drain() {
		if cmd.ID != "" {
			r.answers[cmd.ID] = answer{Out: r.outcome(), Err: Refusal(cmd.Kind, r.doc.Status)}
		}
	}
}

// outcome is the run's answer as of now: ids, status and step; the
// document itself only when no record holds it (unrecorded).
func (r *removal) outcome() Outcome {
	out := Outcome{RunID: r.doc.RunID, Status: r.doc.Status, Step: r.doc.Step, CompletedAt: r.doc.CompletedAt}
	if r.unrecorded {
		doc := r.doc
		out.Doc = &doc
	}
	return out
}

// result is the run's outcome with its unlink's counts, which ops list.
func (r *removal) result() Outcome {
	out := r.outcome()
	if mu := r.doc.MetaUnlink; mu.Attempts > 0 || mu.LastError != "" {
		out.MetaUnlink = &OutcomeMetaUnlink{Status: mu.Status, Attempts: mu.Attempts, LastError: mu.LastError}
	}
	return out
}
