package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/domain"
)

// next is the removal's next input: a signal's note (a value it ignored) is
// written as the run takes it, and a signal that asked nothing is dropped.
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
	r.inbox.answer(cmd.ID, answer{Out: r.outcome(), Err: err})
}

// refuse answers an update with err, or notes a signal's refusal.
func (r *removal) refuse(cmd command, err *domain.Error) {
	r.reply(cmd, err)
	if cmd.ID == "" {
		r.note(fmt.Sprintf("Sinal %q ignorado: %s", cmd.Kind, err.Message))
	}
}

// note adds a note unless it is the last one already: a signal sent over and
// over (a daily ops batch) notes once.
func (r *removal) note(n string) {
	if k := len(r.doc.Notes); k == 0 || r.doc.Notes[k-1] != n {
		r.doc.Notes = append(r.doc.Notes, n)
	}
}

// outcome is the run's answer as of now: ids, status, step and, for ops,
// the unlink's counts. Every state it names is recorded (since r7, a step
// that failed for good too), so it never carries the document.
func (r *removal) outcome() Outcome {
	out := Outcome{RunID: r.doc.RunID, Status: r.doc.Status, Step: r.doc.Step, CompletedAt: r.doc.CompletedAt}
	if mu := r.doc.MetaUnlink; mu.Attempts > 0 || mu.LastError != "" {
		out.MetaUnlink = &OutcomeMetaUnlink{Status: mu.Status, Attempts: mu.Attempts, LastError: mu.LastError}
	}
	return out
}
