package domain

import (
	"fmt"
	"time"
)

// Reconciling a run that closed without writing its end. While a run is open
// its workflow is the one author of its record (decision.go). A run stopped
// from Temporal without running its code (Terminate in Temporal Web or the
// CLI, a run timeout, a failed or an old build's cancelled run) leaves the
// read model saying whatever it last said: awaiting_code, a purge scheduled.
// For such a run, closed and unable to speak, ReconcileRemoval and
// ReconcilePurge are the only other author: from the stale record and how
// Temporal says the run closed, the record it ends with.

// RunState is how Temporal says a run stands (DescribeWorkflowExecution).
type RunState string

const (
	RunRunning        RunState = "running"
	RunCompleted      RunState = "completed"
	RunFailed         RunState = "failed"
	RunCanceled       RunState = "canceled"
	RunTerminated     RunState = "terminated"
	RunTimedOut       RunState = "timed_out"
	RunContinuedAsNew RunState = "continued_as_new"
	// RunReset: terminated by a reset (Temporal Web's Reset, `temporal
	// workflow reset`): the removal goes on in the reset run.
	RunReset RunState = "reset"
	// RunUnknown: Temporal does not know the run (its retention passed) or
	// answered with a status this code does not know.
	RunUnknown RunState = "unknown"
)

// Closed reports whether the run has ended for good, with no code of its own
// left to write its record. A run continued as new, or reset, goes on in its
// successor.
func (s RunState) Closed() bool {
	switch s {
	case RunCompleted, RunFailed, RunCanceled, RunTerminated, RunTimedOut:
		return true
	}
	return false
}

// Text says in pt-BR how the run ended ("a execução foi …"), for the step,
// the notes and the audit trail.
func (s RunState) Text() string {
	switch s {
	case RunTerminated:
		return "encerrada à força (terminate)"
	case RunCanceled:
		return "cancelada"
	case RunTimedOut:
		return "interrompida pelo prazo de execução"
	case RunFailed:
		return "encerrada com falha"
	case RunCompleted:
		return "concluída sem registrar o fim"
	}
	return string(s)
}

// StaleRemoval is a removal's run whose read-model row is not final, as the
// reconciler reads it: the row, and whether this removal tombstoned the
// channel (the channel is removed, by this removal id).
type StaleRemoval struct {
	Record     RemovalRecord
	Tombstoned bool
}

// StalePurge is a pending purge (scheduled, held or purging) as the
// reconciler reads it: the row, when it was last written (the compare-and-set
// compares it), and the run id of the removal that scheduled it (its audit
// records join that run's trail).
type StalePurge struct {
	Purge        Purge
	UpdatedAt    time.Time
	RemovalRunID string
}

// RemovalSettlement is the record a closed run's removal ends with: the
// document, and the audit record's action and detail.
type RemovalSettlement struct {
	Doc    Removal
	Action Action
	Detail map[string]any
}

// PurgeSettlement is the record a closed purge run's purge ends with.
type PurgeSettlement struct {
	Purge  Purge
	Action Action
	Detail map[string]any
}

// Steps and reasons of a reconciled run.
const (
	stepStoppedBeforeTombstone = "Interrompida no Temporal: a execução foi %s antes de remover o canal; nada foi alterado"
	stepStoppedAfterTombstone  = "Canal removido; a execução foi %s no Temporal antes de concluir o desvínculo na Meta, que não será tentado de novo"
	reasonStopped              = "execução %s no Temporal; nenhuma nova tentativa"
)

// ReconcileRemoval is the document a removal run's stale record ends with,
// given how Temporal says the run closed, whether the channel was tombstoned
// by this removal, and the run's Meta jobs as read (zero: none owed); ok is
// false when the record is to be left alone (the run is open, unknown to
// Temporal, or its record is final).
//
//   - Never tombstoned: cancelled (removal_cancelled): nothing was changed,
//     and a purge chosen at the acknowledgement will not be scheduled.
//   - Tombstoned: completed_with_warnings (meta_unlink_abandoned): the
//     channel is removed; each part still owed to Meta is abandoned with the
//     reason (its job's token is erased: Owed), as when the retry window
//     closes; a part its job settled is shown as settled.
func ReconcileRemoval(stale Removal, run RunState, tombstoned bool, jobs Unlink, now time.Time) (RemovalSettlement, bool) {
	if stale.Final() || !run.Closed() {
		return RemovalSettlement{}, false
	}
	// The step says why the run ended (the read model keeps an ended run's step).
	doc := stale
	doc.UpdatedAt, doc.CompletedAt = now, &now
	detail := map[string]any{"run_closed": string(run), "previous_status": string(stale.Status), "reconciled": true}
	if !tombstoned {
		doc.Status, doc.Step = StatusCancelled, fmt.Sprintf(stepStoppedBeforeTombstone, run.Text())
		if stale.Retention != nil && stale.Retention.Status == RetentionScheduled {
			r := *stale.Retention
			r.Status = RetentionCancelled
			doc.Retention = &r
		}
		detail["text"] = doc.Step
		return RemovalSettlement{Doc: doc, Action: EndAction(StatusCancelled), Detail: detail}, true
	}
	why := fmt.Sprintf(reasonStopped, run.Text())
	doc.Status, doc.Step = StatusCompletedWithWarnings, fmt.Sprintf(stepStoppedAfterTombstone, run.Text())
	// A job abandoned while the row is not final was abandoned by a
	// reconciler (another process, or a pass that failed before its
	// compare-and-set): the document says the same whoever abandoned it.
	subscription, number, override := jobs.Owed()
	abandoned := []string{}
	switch {
	case subscription || jobs.Status == UnlinkAbandoned:
		doc.MetaUnlink.Status, doc.MetaUnlink.LastError = UnlinkAbandoned, why
		abandoned = append(abandoned, "subscription")
	case jobs.Status != "":
		doc.MetaUnlink.Status = jobs.Status
	}
	if n, asked := jobs.Number(); number || (asked && n.Status == NumberAbandoned) {
		doc.MetaUnlink.Number = &NumberRelease{Status: NumberFailed, LastError: why}
		abandoned = append(abandoned, "number")
	} else if asked && n.Status == NumberReleased {
		doc.MetaUnlink.Number = &NumberRelease{Status: NumberReleased}
	}
	if o, ours := jobs.Override(); override || (ours && o.Status == OverrideAbandoned) {
		doc.MetaUnlink.Override = &OverrideRelease{Status: OverrideFailed, LastError: why}
		abandoned = append(abandoned, "override")
	} else if ours && (o.Status == OverrideCleared || o.Status == OverrideNotOurs) {
		doc.MetaUnlink.Override = &OverrideRelease{Status: o.Status}
	}
	if c, on := jobs.CreditLine(); jobs.OwesCreditLine() || (on && c.Status == CreditLineAbandoned) {
		doc.MetaUnlink.CreditLine = &CreditLineRelease{Status: CreditLineFailed, LastError: why}
		abandoned = append(abandoned, "credit_line")
	} else if on && (c.Status == CreditLineRevoked || c.Status == CreditLineKept) {
		doc.MetaUnlink.CreditLine = &CreditLineRelease{Status: c.Status}
	}
	detail["abandoned"], detail["reason"], detail["text"] = abandoned, why, doc.Step
	return RemovalSettlement{Doc: doc, Action: ActionMetaUnlinkAbandoned, Detail: detail}, true
}

// Owed says which of a run's Meta jobs are still owed (not settled, not
// abandoned): the subscription, the number's release, the number's override.
func (u Unlink) Owed() (subscription, number, override bool) {
	subscription = u.Status != "" && u.Status != UnlinkDone && u.Status != UnlinkSkipped && u.Status != UnlinkAbandoned
	if n, asked := u.Number(); asked {
		number = n.Status != NumberReleased && n.Status != NumberAbandoned
	}
	if o, ours := u.Override(); ours {
		override = o.Status == OverridePending || o.Status == OverrideFailed
	}
	return subscription, number, override
}

// ReconcilePurge is the purge a purge run's stale row ends with, given how
// Temporal says the run closed: cancelled (purge_cancelled), the history
// kept; a purge stopped while purging keeps its counts, and the record says
// what was deleted before it stopped. ok is false when the row is to be left
// alone (the run is open or unknown, or the purge is not pending).
func ReconcilePurge(stale Purge, run RunState) (PurgeSettlement, bool) {
	switch stale.Status {
	case RetentionScheduled, RetentionHeld, RetentionPurging:
	default:
		return PurgeSettlement{}, false
	}
	if !run.Closed() {
		return PurgeSettlement{}, false
	}
	next := stale
	next.Status = RetentionCancelled
	detail := map[string]any{"run_closed": string(run), "previous_status": string(stale.Status), "reconciled": true,
		"text": fmt.Sprintf("Exclusão programada cancelada: a execução foi %s no Temporal; o histórico é mantido", run.Text())}
	if stale.Status == RetentionPurging {
		detail["purged_messages"], detail["purged_conversations"] = stale.PurgedMessages, stale.PurgedConversations
		detail["text"] = fmt.Sprintf("Exclusão interrompida: a execução foi %s no Temporal depois de apagar %d %s de %d %s; o restante do histórico é mantido",
			run.Text(), stale.PurgedMessages, Plural(int(stale.PurgedMessages), "mensagem", "mensagens"),
			stale.PurgedConversations, Plural(int(stale.PurgedConversations), "conversa", "conversas"))
	}
	return PurgeSettlement{Purge: next, Action: ActionPurgeCancelled, Detail: detail}, true
}

// ReconcileKey is the idempotency key of a reconciled run's record: one
// reconciliation per run and action, however many processes try it.
func ReconcileKey(removalID, runID string, action Action) string {
	return removalID + "/" + runID + "/reconciled/" + string(action)
}
