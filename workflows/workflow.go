package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// a names the activities; workflow code never calls them directly.
var a *activities.Activities

// removal is the workflow's state.
type removal struct {
	in         Input
	doc        domain.Removal
	inbox      inbox[command]
	answers    map[string]answer
	sendSeq    int
	attemptSeq int
	auditSeq   int
	actor      domain.Actor // who verified the code: the removal's author for delete/unlink
	// releaseNumber: the admin asked, with the acknowledgement, to release
	// the phone number in Meta after the tombstone.
	releaseNumber bool
	// owed is what the tombstone left owed to Meta.
	owed domain.MetaOwed
	// retryRounds counts ops' retry-unlink rounds (bounded, domain.MaxRetryUnlinkRounds).
	retryRounds int
	tries       map[domain.MetaPart]int // attempts at each part, across rounds
	// warnedAt is when the run first reached completed_with_warnings;
	// opsAlerted that ops were told, once, that it stayed there.
	warnedAt   time.Time
	opsAlerted bool
	// adminsNotified: every admin was told, once, that the channel was removed.
	adminsNotified bool
	// unrecorded: the run ended on a step that failed for good, with no
	// record of its end: the read model does not hold doc, so the answers carry it.
	unrecorded bool
	// done is a verification after which nothing is owed: it is answered with
	// the outcome ("completed") rather than "removing".
	done *command
	// cancelRequested: ops asked Temporal to cancel the run (Web, CLI, a
	// batch). The steps after the code run on a context a cancellation does
	// not reach, so they read it here.
	cancelRequested func() bool
}

// RemoveChannelWorkflow removes a channel: preflight, acknowledgement,
// verification code, tombstone, Meta unlink (SPEC §1). Every outcome, timeouts
// included, is a status of the returned Outcome, not a workflow error; the
// document is the read model's.
//
// The short steps (preflight, code e-mail, code check, tombstone) run as local
// activities, inside the workflow task of the input they answer; the Meta
// call, with its long retries, is an activity. Each human wait is a timer of
// its own, cancelled when the input comes first (inbox.next).
func RemoveChannelWorkflow(ctx workflow.Context, in Input) (Outcome, error) {
	in.withDefaults()
	r := newRemoval(ctx, in)
	if err := r.setup(ctx); err != nil {
		return Outcome{}, err
	}
	r.run(ctx)
	// What follows the run is owed whether or not ops cancelled it: the
	// admins' notice of a removed channel and the answers to the updates.
	after, _ := workflow.NewDisconnectedContext(ctx)
	r.answerDone()
	r.notifyAdmins(after)
	r.refuseRemaining()
	if err := workflow.Await(after, func() bool { return workflow.AllHandlersFinished(after) }); err != nil {
		return r.result(), err
	}
	if r.cancelRequested() {
		return r.result(), ctx.Err() // the run closes as Canceled, its record already written
	}
	return r.result(), nil
}

// newRemoval is the state before anything ran: in preflight. It is complete
// before any handler is registered, so that a validator, which may run as soon
// as its handler is (an update that waited while the run's first task was
// replayed after a crash), never judges an uninitialised state.
func newRemoval(ctx workflow.Context, in Input) *removal {
	info := workflow.GetInfo(ctx)
	now := workflow.Now(ctx)
	cancelRequested := func() bool { return ctx.Err() != nil }
	r := &removal{in: in, inbox: inbox[command]{stopped: cancelRequested}, answers: map[string]answer{}, tries: map[domain.MetaPart]int{}, cancelRequested: cancelRequested, doc: domain.Removal{
		// The removal's run is its first: a reset (Temporal Web's button)
		// starts a new Temporal run that keeps it, so the reset run writes
		// the same read-model row under the same keys, and a step it repeats
		// is recognised as done (no second e-mail, Meta call or record).
		ID: info.WorkflowExecution.ID, RunID: info.FirstRunID, ChannelID: in.ChannelID,
		AttemptsLeft: domain.MaxCodeAttempts, MetaUnlink: domain.MetaUnlink{Status: domain.UnlinkNotStarted}, Notes: []string{}, CreatedAt: now}}
	// The start set RemovalStatus; the check runs within this task.
	r.setLocalStatus(ctx, domain.StatusPreflight, domain.StatusStep(domain.StatusPreflight))
	return r
}

func (r *removal) run(ctx workflow.Context) {
	if !r.preflight(ctx) {
		return
	}
	if !r.acknowledgement(ctx) {
		return
	}
	verified, ok := r.awaitCode(ctx)
	if !ok {
		return
	}
	// From the verified code on, the run carries out what the admin approved:
	// a cancellation from Temporal no longer stops a step (the tombstone,
	// Meta's automatic attempts); it only ends the wait for ops (unlink).
	work, _ := workflow.NewDisconnectedContext(ctx)
	if !r.deleteChannel(work, verified) {
		return
	}
	r.schedulePurge(work)
	r.unlink(work)
}

// stoppedByTemporal ends, cancelled by ops, a run that had changed nothing.
// Its record lands although the run's context is cancelled: audit writes on
// a disconnected one.
func (r *removal) stoppedByTemporal(ctx workflow.Context) {
	r.end(ctx, domain.StatusCancelled, domain.StepCancelledByTemporal, domain.ActorOpsTemporal)
}

func (r *removal) channelName() string {
	if r.doc.Impact == nil {
		return ""
	}
	return r.doc.Impact.ChannelName
}

func (r *removal) cancel(ctx workflow.Context, cmd command) {
	r.end(ctx, domain.StatusCancelled, domain.StatusStep(domain.StatusCancelled), cmd.Actor)
	r.reply(cmd, nil)
}

// decide is the document the removal has in status, with step: a copy of the
// current one, which deciding leaves as it is until the run takes it (take).
func (r *removal) decide(ctx workflow.Context, status domain.Status, step string) domain.Removal {
	return r.doc.Next(status, step, workflow.Now(ctx))
}

// ending is the document of a run that ends in status.
func (r *removal) ending(ctx workflow.Context, status domain.Status, step string) domain.Removal {
	return r.doc.Ended(status, step, workflow.Now(ctx))
}

// take makes doc the removal's document and publishes its status.
func (r *removal) take(ctx workflow.Context, doc domain.Removal) {
	r.doc = doc
	r.setStatus(ctx, doc.Status, doc.Step)
}

// end writes the final audit record with the run's last document, then
// takes it, so nobody sees a removal as done while its audit trail still
// lacks the record.
func (r *removal) end(ctx workflow.Context, status domain.Status, step string, actor domain.Actor) {
	doc := r.ending(ctx, status, step)
	r.audit(ctx, domain.EndAction(status), actor, nil, &doc)
	r.take(ctx, doc)
}

// finish ends the run with no record of its own (a step that failed for good).
func (r *removal) finish(ctx workflow.Context, status domain.Status, step string) {
	r.unrecorded = true
	r.take(ctx, r.ending(ctx, status, step))
}

// audit writes a record of the workflow's own (with doc, the document it leads to).
func (r *removal) audit(ctx workflow.Context, action domain.Action, actor domain.Actor, detail map[string]string, doc *domain.Removal) {
	r.auditSeq++
	var decided domain.Decided
	if doc != nil {
		decided = domain.One(withoutImpact(*doc))
	}
	// Retried until it lands (auditOptions has no attempt limit, and the
	// activity reports every failure as retryable), even when ops cancel the
	// run meanwhile: a record is never lost half-way.
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.RecordAudit,
		activities.AuditInput{Step: r.step(actor), Action: action, Detail: detail, Seq: r.auditSeq, Decided: decided}).Get(ctx, nil)
}

// withoutImpact is doc as an input carries it: the run's row holds its
// impact, which the activity puts back (activities.Activities.withImpact).
func withoutImpact(doc domain.Removal) domain.Removal {
	doc.Impact = nil
	return doc
}

func (r *removal) step(actor domain.Actor) activities.Step {
	return activities.Step{RemovalID: r.doc.ID, RunID: r.doc.RunID, AccountID: r.doc.AccountID, ChannelID: r.doc.ChannelID, Actor: actor}
}

// setLocalStatus records a status that lasts less than a workflow task (its
// step runs as a local activity): query and current details, no upsert.
func (r *removal) setLocalStatus(ctx workflow.Context, status domain.Status, step string) {
	r.doc.Status, r.doc.Step, r.doc.UpdatedAt = status, step, workflow.Now(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — %s", status, step))
}

// setStatus records a status change where ops look: query, search attributes
// and Temporal Web's current details. Only the search attributes that
// changed are upserted (the start set the channel's and the account's; a
// run started from Temporal without them gets them here).
func (r *removal) setStatus(ctx workflow.Context, status domain.Status, step string) {
	r.doc.Status, r.doc.Step, r.doc.UpdatedAt = status, step, workflow.Now(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — %s", status, step))
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
		return // e.g. the start already said awaiting_acknowledgement: no event for nothing
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, sas...); err != nil {
		workflow.GetLogger(ctx).Error("search attribute upsert failed", "error", err)
	}
}
