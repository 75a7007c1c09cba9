package app

import (
	"context"
	"log/slog"
)

// Meta calls left open (activities/meta_call.go): a worker died between
// writing a call's intent and Meta's answer. The next try of the attempt
// takes such a call over once its lease passed; the reconciler says which
// are still open past it, and abandons those of a run that closed (no try
// will come): Meta may or may not have acted on them.

// openMetaCalls logs each call still open past its lease.
func (r Reconciler) openMetaCalls(ctx context.Context) {
	open, err := r.Store.OpenMetaCalls(ctx, 100)
	if err != nil {
		r.Log.Warn("reconcile: cannot list the open Meta calls", "error", err)
		return
	}
	for _, c := range open {
		if !c.LeaseLeft {
			r.Log.Warn("a Meta call's worker died mid-call; the attempt's next try calls again (ops meta-calls)", "removal_id", c.RemovalID,
				"part", c.Part, "attempt", c.Attempt, "opened_at", c.OpenedAt)
		}
	}
}

// abandonMetaCalls abandons the open calls of a run that closed past its
// tombstone, saying each: nobody knows whether Meta acted on it.
func (r Reconciler) abandonMetaCalls(ctx context.Context, log *slog.Logger, removalID, runID string, closed bool) error {
	if !closed {
		return nil
	}
	gone, err := r.Store.AbandonMetaCalls(ctx, removalID, runID)
	for _, c := range gone {
		log.Warn("a Meta call was open when its run closed: whether Meta acted is unknown; check the object on Meta", "part", c.Part,
			"attempt", c.Attempt, "opened_at", c.OpenedAt)
	}
	return err
}
