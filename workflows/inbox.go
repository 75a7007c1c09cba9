package workflows

// The one inbox both workflows wait on: handlers only put inputs (signals
// and updates) into it; the run takes them in order and answers updates.

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// waitEnd is how a wait for an input ended.
type waitEnd int

const (
	gotInput waitEnd = iota
	timedOut         // the deadline passed
	stopped          // the run was cancelled from Temporal (Web, CLI, a batch)
)

// inbox holds the inputs C a run has yet to act on and the answers A owed
// to updates, by update id.
type inbox[C, A any] struct {
	queue   []C
	answers map[string]A
	// stopped says ops cancelled the run: a wait on a context the
	// cancellation does not reach (a removal past its code) reads it here.
	stopped func() bool
}

func newInbox[C, A any](ctx workflow.Context) inbox[C, A] {
	return inbox[C, A]{answers: map[string]A{}, stopped: func() bool { return ctx.Err() != nil }}
}

func (b *inbox[C, A]) put(c C) { b.queue = append(b.queue, c) }

// drain takes every input left.
func (b *inbox[C, A]) drain() []C {
	q := b.queue
	b.queue = nil
	return q
}

// answer answers update id (a signal, id "", has no one to answer).
func (b *inbox[C, A]) answer(id string, a A) {
	if id != "" {
		b.answers[id] = a
	}
}

// refuseRemaining answers what arrived too late, so no update waits forever.
func (b *inbox[C, A]) refuseRemaining(refusal func(C) (string, A)) {
	for _, c := range b.drain() {
		b.answer(refusal(c))
	}
}

// submit queues an update's input (its ID the update's) and waits for the run's answer, on a
// disconnected context: a cancelled run answers every input it holds
// (refuseRemaining), so the update gets the run's answer rather than a
// cancellation error that a retry with the same UpdateID would get for ever.
func (b *inbox[C, A]) submit(ctx workflow.Context, c C) (A, error) {
	id := workflow.GetCurrentUpdateInfo(ctx).ID
	b.put(c)
	wait, _ := workflow.NewDisconnectedContext(ctx)
	err := workflow.Await(wait, func() bool { _, ok := b.answers[id]; return ok })
	a := b.answers[id]
	delete(b.answers, id)
	return a, err
}

// next waits for the next input until deadline (zero: none), telling an
// input from a timeout and from a cancellation. summary labels the timer in
// Temporal Web; it is cancelled when an input comes first, so no earlier
// wait's timer wakes a run that waits for days. (workflow.AwaitWithOptions
// cancels its timer only under an SDK flag recorded in new histories: the
// purges in flight, auto-upgrading, would replay it without, and fail.)
func (b *inbox[C, A]) next(ctx workflow.Context, deadline time.Time, summary string) (C, waitEnd) {
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

// receive has the selector hand signal name's payloads to put.
func receive[T any](ctx workflow.Context, sel workflow.Selector, name string, put func(T)) {
	sel.AddReceive(workflow.GetSignalChannel(ctx, name), func(ch workflow.ReceiveChannel, _ bool) {
		var v T
		ch.Receive(ctx, &v)
		put(v)
	})
}

// listen starts the one coroutine that drains every signal into the inbox.
func listen(ctx workflow.Context, signals workflow.Selector) {
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			signals.Select(ctx)
		}
	})
}

// closeRun waits until every update has its answer (a cancellation does not
// reach that wait), then ends the run: Canceled when ops cancelled it, its
// record already written.
func closeRun(ctx workflow.Context) error {
	after, _ := workflow.NewDisconnectedContext(ctx)
	if err := workflow.Await(after, func() bool { return workflow.AllHandlersFinished(after) }); err != nil {
		return err
	}
	return ctx.Err()
}
