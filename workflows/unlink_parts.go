package workflows

// An attempt at one of the parts the tombstone left owed to Meta. What the
// removal's document becomes is domain.AttemptPlan.After's: the activity
// records it for the outcome it saw, the workflow takes the same.

import (
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// owes says whether part p is still owed.
func (r *removal) owes(p domain.MetaPart) bool { return r.owed.Owes(r.doc, p) }

// owesMeta says whether any part is still owed.
func (r *removal) owesMeta() bool { return r.owed.OwesAny(r.doc) }

// attempt makes one attempt at part p and takes the document its outcome
// leads to; on the last automatic attempt a transient failure waits for ops,
// as a permanent one does. The activity's input is ids and the plan: it
// moves the run's row (which holds r.doc, written by the step before) as
// the run moves r.doc.
func (r *removal) attempt(ctx workflow.Context, p domain.MetaPart, last bool) activities.AttemptResult {
	act, count := a.ReleaseOverride, &r.overrideAttempts
	switch p {
	case domain.PartSubscription:
		act, count = a.Unsubscribe, &r.unlinkAttempts
	case domain.PartNumber:
		act, count = a.ReleaseNumber, &r.numberAttempts
	case domain.PartCreditLine:
		act, count = a.RevokeCreditLine, &r.creditLineAttempts
	}
	*count++
	plan := domain.AttemptPlan{Part: p, Last: last, UnlinkAttempts: r.unlinkAttempts, Owed: r.owed, At: workflow.Now(ctx)}
	var res activities.AttemptResult
	// Retried until the attempt and its record land; Meta's answer is the result.
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, unlinkOptions(p)), act,
		activities.AttemptInput{Step: r.step(r.actor), Attempt: *count, Plan: plan}).Get(ctx, &res)
	doc, ok := plan.After(plan.From(r.doc), res.Outcome, p.Facts(res.Error))
	if !ok { // the run was cancelled while the activity ran
		return activities.AttemptResult{Outcome: domain.OutcomePermanent}
	}
	r.take(ctx, doc)
	return res
}
