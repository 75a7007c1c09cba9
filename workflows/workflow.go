package workflows

import (
	"fmt"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// a names the activities; workflow code never calls them directly.
var a *activities.Activities

// removal is the workflow's state: its document (the read model's), its
// inbox, the counters that key its side effects, and what the unlink owes.
type removal struct {
	in                            Input
	doc                           domain.Removal
	inbox                         inbox[command, answer]
	sendSeq, attemptSeq, auditSeq int
	actor                         domain.Actor // who verified the code
	releaseNumber                 bool         // asked with the acknowledgement (SPEC §7)
	meta                          unlinkState
	adminsNotified                bool
	// done is a verification after which nothing is owed: answered with the
	// outcome ("completed") rather than "removing".
	done *command
}

// RemoveChannelWorkflow removes a channel: preflight, acknowledgement,
// verification code, tombstone, Meta unlink (SPEC §1). Every outcome,
// timeouts included, is a status of the returned Outcome, not an error. The
// short steps run as local activities inside the task of the input they
// answer; the Meta calls, with their long retries, are activities.
func RemoveChannelWorkflow(ctx workflow.Context, in Input) (Outcome, error) {
	in.withDefaults()
	r := newRemoval(ctx, in)
	if err := r.setup(ctx); err != nil {
		return Outcome{}, err
	}
	r.run(ctx)
	// Owed whether or not ops cancelled the run: the admins' notice of a
	// removed channel and the answers to the updates.
	after, _ := workflow.NewDisconnectedContext(ctx)
	r.answerDone()
	r.notifyAdmins(after)
	r.inbox.refuseRemaining(func(cmd command) (string, answer) {
		return cmd.ID, answer{Out: r.outcome(), Err: Refusal(cmd.Kind, r.doc.Status)}
	})
	err := closeRun(ctx)
	return r.outcome(), err
}

// newRemoval is the state before anything ran, complete before any handler
// is registered: a validator never judges an uninitialised state.
func newRemoval(ctx workflow.Context, in Input) *removal {
	info := workflow.GetInfo(ctx)
	r := &removal{in: in, inbox: newInbox[command, answer](ctx), meta: unlinkState{tries: map[domain.MetaPart]int{}}, doc: domain.Removal{
		// The first run's id, which a reset keeps: a reset run writes the
		// same row under the same keys, and a step it repeats is recognised
		// as done (no second e-mail, Meta call or record).
		ID: info.WorkflowExecution.ID, RunID: info.FirstRunID, ChannelID: in.ChannelID,
		AttemptsLeft: domain.MaxCodeAttempts, MetaUnlink: domain.MetaUnlink{Status: domain.UnlinkNotStarted}, Notes: []string{},
		CreatedAt: workflow.Now(ctx)}}
	r.show(ctx, domain.StatusPreflight, domain.StatusStep(domain.StatusPreflight)) // the start set RemovalStatus
	return r
}

func (r *removal) run(ctx workflow.Context) {
	if !r.preflight(ctx) || !r.acknowledgement(ctx) {
		return
	}
	verified, ok := r.awaitCode(ctx)
	if !ok {
		return
	}
	// From the verified code on, the run carries out what the admin
	// approved: a cancellation only ends the wait for ops (unlink).
	work, _ := workflow.NewDisconnectedContext(ctx)
	if r.deleteChannel(work, verified) {
		r.schedulePurge(work)
		r.unlink(work)
	}
}

func (r *removal) cancelRequested() bool { return r.inbox.stopped() }

func (r *removal) channelName() string {
	if r.doc.Impact == nil {
		return ""
	}
	return r.doc.Impact.ChannelName
}

// decide is the document the removal would have in status (r.doc unchanged).
func (r *removal) decide(ctx workflow.Context, status domain.Status, step string) domain.Removal {
	return r.doc.Next(status, step, workflow.Now(ctx))
}

// take makes doc the removal's document and publishes its status.
func (r *removal) take(ctx workflow.Context, doc domain.Removal) {
	r.doc = doc
	r.setStatus(ctx, doc.Status, doc.Step)
}

// end writes the final audit record with the run's last document, then
// takes it: nobody sees a removal done while its trail lacks the record.
// A cancellation from Temporal ends it cancelled, actor ops (Temporal).
func (r *removal) end(ctx workflow.Context, status domain.Status, step string, actor domain.Actor) {
	doc := r.doc.Ended(status, step, workflow.Now(ctx))
	r.audit(ctx, domain.EndAction(status), actor, nil, &doc)
	r.take(ctx, doc)
}

func (r *removal) stoppedByTemporal(ctx workflow.Context) {
	r.end(ctx, domain.StatusCancelled, domain.StepCancelledByTemporal, domain.ActorOpsTemporal)
}

// audit writes a record of the run's own (with doc, the document it leads
// to, whose impact the run's row holds). Retried until it lands, even when
// ops cancel the run meanwhile: a record is never lost half-way.
func (r *removal) audit(ctx workflow.Context, action domain.Action, actor domain.Actor, detail map[string]string, doc *domain.Removal) {
	r.auditSeq++
	var decided domain.Decided
	if doc != nil {
		decided = domain.One(withoutImpact(*doc))
	}
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.RecordAudit,
		activities.AuditInput{Step: r.step(actor), Action: action, Detail: detail, Seq: r.auditSeq, Decided: decided}).Get(ctx, nil)
}

// withoutImpact is doc as an input carries it: the activity puts back the
// impact the run's row holds.
func withoutImpact(doc domain.Removal) domain.Removal {
	doc.Impact = nil
	return doc
}

func (r *removal) step(actor domain.Actor) activities.Step {
	return activities.Step{RemovalID: r.doc.ID, RunID: r.doc.RunID, AccountID: r.doc.AccountID, ChannelID: r.doc.ChannelID, Actor: actor}
}

// show records a status that lasts less than a workflow task (its step a
// local activity): query and Temporal Web's current details, no upsert.
func (r *removal) show(ctx workflow.Context, status domain.Status, step string) {
	r.doc.Status, r.doc.Step, r.doc.UpdatedAt = status, step, workflow.Now(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — %s", status, step))
}

// setStatus shows a status and upserts the search attributes that changed
// (the start set the channel's and the account's; a run started from
// Temporal without them gets them here).
func (r *removal) setStatus(ctx workflow.Context, status domain.Status, step string) {
	r.show(ctx, status, step)
	sa := workflow.GetTypedSearchAttributes(ctx)
	var sas []temporal.SearchAttributeUpdate
	for _, kv := range []struct {
		key   temporal.SearchAttributeKeyKeyword
		value string
	}{{SAChannelID, r.doc.ChannelID}, {SARemovalStatus, string(status)}, {SAAccountID, r.doc.AccountID}} {
		if cur, _ := sa.GetKeyword(kv.key); kv.value != "" && cur != kv.value {
			sas = append(sas, kv.key.ValueSet(kv.value))
		}
	}
	if len(sas) == 0 {
		return // no event for nothing
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, sas...); err != nil {
		workflow.GetLogger(ctx).Error("search attribute upsert failed", "error", err)
	}
}
