package workflows

// What the tombstone leaves owed to Meta, part by part, and what the
// removal's document becomes after each attempt at a part.

import (
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// part is one thing owed to Meta, settled in this order: the callback
// override our app set on the number (cleared while our app still has
// access), the app's subscription (with it the WABA's override), the number's
// release (asked for by the admin).
type part int

const (
	partOverride part = iota
	partSubscription
	partNumber
)

var parts = []part{partOverride, partSubscription, partNumber}

// owes says whether part p is still owed.
func (r *removal) owes(p part) bool {
	mu := r.doc.MetaUnlink
	switch p {
	case partOverride:
		return r.owed.Override && (mu.Override == nil || mu.Override.Status != domain.OverrideCleared && mu.Override.Status != domain.OverrideNotOurs)
	case partSubscription:
		return r.owed.Subscription && mu.Status != domain.UnlinkDone && mu.Status != domain.UnlinkSkipped
	}
	return r.owed.Number && mu.Number != nil && mu.Number.Status != domain.NumberReleased
}

// owesMeta says whether any part is still owed.
func (r *removal) owesMeta() bool {
	for _, p := range parts {
		if r.owes(p) {
			return true
		}
	}
	return false
}

// owesBesides says whether a part other than p is still owed.
func (r *removal) owesBesides(p part) bool {
	for _, q := range parts {
		if q != p && r.owes(q) {
			return true
		}
	}
	return false
}

// attempt makes one attempt at part p and takes the document decided for its
// outcome; on the last automatic attempt a transient failure waits for ops,
// as a permanent one does.
func (r *removal) attempt(ctx workflow.Context, p part, last bool) activities.AttemptResult {
	act, count := a.ReleaseOverride, &r.overrideAttempts
	switch p {
	case partSubscription:
		act, count = a.Unsubscribe, &r.unlinkAttempts
	case partNumber:
		act, count = a.ReleaseNumber, &r.numberAttempts
	}
	*count++
	decided := domain.Decided{
		domain.OutcomeDone:      r.settled(ctx, p, domain.OutcomeDone),
		domain.OutcomeTransient: r.failedAttempt(ctx, p, last),
		domain.OutcomePermanent: r.failedAttempt(ctx, p, true),
	}
	if p != partNumber { // kept: a sibling's subscription, another app's override
		decided[domain.OutcomeKept] = r.settled(ctx, p, domain.OutcomeKept)
	}
	var res activities.AttemptResult
	// Retried until the attempt and its record land; Meta's answer is the result.
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, unlinkOptions(p)), act,
		activities.AttemptInput{Step: r.step(r.actor), Attempt: *count, Decided: decided}).Get(ctx, &res)
	doc, ok := decided.For(res.Outcome, p.facts(res.Error))
	if !ok { // the run was cancelled while the activity ran
		return activities.AttemptResult{Outcome: domain.OutcomePermanent}
	}
	r.take(ctx, doc)
	return res
}

// facts are Meta's answer to a failed attempt at p, where p's part of the
// document shows it.
func (p part) facts(metaError string) domain.Facts {
	switch p {
	case partOverride:
		return domain.Facts{OverrideError: metaError}
	case partNumber:
		return domain.Facts{NumberError: metaError}
	}
	return domain.Facts{UnlinkError: metaError}
}

// settled is the document once part p is settled (done, or kept: another
// live channel keeps the WABA's subscription, another app's override is left
// alone); with nothing else owed, the removal is completed.
func (r *removal) settled(ctx workflow.Context, p part, o domain.Outcome) domain.Removal {
	doc := r.unlinking(ctx)
	mu := &doc.MetaUnlink
	switch p {
	case partOverride:
		mu.Override = &domain.OverrideRelease{Status: domain.OverrideCleared}
		if o == domain.OutcomeKept {
			mu.Override.Status = domain.OverrideNotOurs
			doc.Notes = append(doc.Notes, domain.NoteOverrideNotOurs)
		}
	case partSubscription:
		mu.Status, mu.Attempts, mu.LastError = domain.UnlinkDone, r.unlinkAttempts, ""
		if r.owed.WABAOverride {
			mu.WABAOverride = domain.WABAOverrideRemoved
		}
		if o == domain.OutcomeKept {
			mu.Status = domain.UnlinkSkipped
			doc.Notes = append(doc.Notes, domain.NoteWABAShared)
			if r.owed.WABAOverride {
				mu.WABAOverride = domain.WABAOverrideKept
			}
		}
	case partNumber:
		mu.Number.Status, mu.Number.LastError = domain.NumberReleased, ""
	}
	if !r.owesBesides(p) {
		return r.completed(ctx, doc)
	}
	return doc
}

// failedAttempt is the document after a failed attempt at p: still
// unlinking while automatic attempts remain, else completed_with_warnings.
func (r *removal) failedAttempt(ctx workflow.Context, p part, needsOps bool) domain.Removal {
	doc := r.unlinking(ctx)
	if p == partSubscription {
		doc.MetaUnlink.Attempts = r.unlinkAttempts
	}
	if !needsOps {
		return doc
	}
	doc.Status, doc.Step = domain.StatusCompletedWithWarnings, domain.StatusStep(domain.StatusCompletedWithWarnings)
	switch p {
	case partOverride:
		doc.MetaUnlink.Override = &domain.OverrideRelease{Status: domain.OverrideFailed}
	case partSubscription:
		doc.MetaUnlink.Status = domain.UnlinkFailed
	case partNumber:
		doc.MetaUnlink.Number.Status = domain.NumberFailed
	}
	return doc
}
