package workflows

// An attempt at one of the parts the tombstone left owed to Meta: the
// document becomes domain.AttemptPlan.After's, which the activity records
// for the outcome it saw and the workflow takes.

import (
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// owes says whether part p is still owed.
func (r *removal) owes(p domain.MetaPart) bool { return r.owed.Owes(r.doc, p) }

// owesMeta says whether any part is still owed.
func (r *removal) owesMeta() bool { return r.owed.OwesAny(r.doc) }

// metaParts is each part's activity and its summary in Temporal Web.
var metaParts = map[domain.MetaPart]struct {
	activity any
	summary  string
}{
	domain.PartOverride:     {a.ReleaseOverride, "Remove o redirecionamento de webhook do número (webhook_configuration)"},
	domain.PartSubscription: {a.Unsubscribe, "Desvincula o aplicativo na Meta (subscribed_apps)"},
	domain.PartNumber:       {a.ReleaseNumber, "Libera o número na Meta (deregister)"},
	domain.PartCreditLine:   {a.RevokeCreditLine, "Revoga a linha de crédito compartilhada com a WABA"},
}

// attempt makes one attempt at part p and takes the document its outcome
// leads to; on the last automatic attempt a transient failure waits for ops,
// as a permanent one does. The input is ids and the plan: the activity moves
// the run's row (r.doc, written by the step before) as the run moves r.doc.
func (r *removal) attempt(ctx workflow.Context, p domain.MetaPart, last bool) activities.AttemptResult {
	r.tries[p]++
	plan := domain.AttemptPlan{Part: p, Last: last, UnlinkAttempts: r.tries[domain.PartSubscription], Owed: r.owed, At: workflow.Now(ctx)}
	var res activities.AttemptResult
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, unlinkOptions(metaParts[p].summary)), metaParts[p].activity,
		activities.AttemptInput{Step: r.step(r.actor), Attempt: r.tries[p], Plan: plan}).Get(ctx, &res)
	doc, ok := plan.After(plan.From(r.doc), res.Outcome, p.Facts(res.Error))
	if !ok { // the run was cancelled while the activity ran
		return activities.AttemptResult{Outcome: domain.OutcomePermanent}
	}
	r.take(ctx, doc)
	return res
}
