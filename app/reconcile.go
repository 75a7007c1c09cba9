package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/ops"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// The reconciler: a run stopped from Temporal without running its code
// (Terminate, a run timeout, a run failed or cancelled by an old build)
// leaves its record in Postgres saying what it last said. Every
// ReconcileConfig.Every the worker process (and `ops reconcile` on demand)
// reads the removals whose row is not final and the pending purges, last
// written more than Grace ago, asks Temporal how each one's run stands, and
// ends the record of a run that is closed with what domain.ReconcileRemoval
// or domain.ReconcilePurge decides, audited as ops (Temporal). A run still
// running is left alone; so is a run reset (its reset run goes on) or
// continued as new, and a run Temporal no longer knows (logged).

// ReconcileConfig is the reconciler's timing.
type ReconcileConfig struct {
	// Every is how often the worker process reconciles.
	Every time.Duration
	// Grace: a row written within it is left to its run, whose own final
	// write (or a straggling activity's) may still land.
	Grace time.Duration
	// DescribeTimeout bounds each DescribeWorkflowExecution.
	DescribeTimeout time.Duration
	// Page is how many rows one read takes.
	Page int
	// CarrierLookback: stopped notices and deliveries closed within it are
	// restarted (reconcile_carriers.go; 0: DefaultCarrierLookback).
	CarrierLookback time.Duration
	// CarrierGrace: a carrier closed within it is left for a later pass.
	// Temporal does not stop a terminated run's activity in flight: its
	// worker goes on (a notice's NotifyAdmins to the admins it has not
	// marked yet) until its own deadline. A restart within that window
	// would send those admins the notice a second time (0: none, tests).
	CarrierGrace time.Duration
}

// DefaultReconcile: every minute, for rows written over a minute ago; a
// carrier is restarted 3 minutes after it closed, past the longest
// StartToCloseTimeout of the activities carriers run (a notice's, 2 minutes).
var DefaultReconcile = ReconcileConfig{Every: time.Minute, Grace: time.Minute, DescribeTimeout: 5 * time.Second, Page: 200,
	CarrierGrace: 3 * time.Minute}

// RunDescriber is the one Temporal call the reconciler makes (client.Client has it).
type RunDescriber interface {
	DescribeWorkflowExecution(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error)
}

// Reconciler ends the records of runs closed in Temporal without their end.
type Reconciler struct {
	Store    *postgres.Store
	Temporal RunDescriber
	// Notices starts the admins' notice a removal past its tombstone owes
	// (nil: none is started; tests of the records alone).
	Notices NoticeStarter
	// Carriers restarts stopped notices and deliveries on TaskQueue, in
	// Namespace (nil: none are; reconcile_carriers.go).
	Carriers  CarrierClient
	TaskQueue string
	Namespace string
	Config    ReconcileConfig
	Log       *slog.Logger
}

// Reconciler is the process's reconciler, with DefaultReconcile.
func (p Parts) Reconciler() Reconciler {
	r := Reconciler{Store: p.Store, Temporal: p.Temporal, Config: DefaultReconcile, Log: p.Log}
	if p.Temporal != nil {
		r.Notices = ClientNotices{Client: p.Temporal, TaskQueue: p.Config.TemporalTaskQueue}
		r.Carriers, r.TaskQueue, r.Namespace = p.Temporal, p.Config.TemporalTaskQueue, p.Config.TemporalNamespace
	}
	return r
}

// ReconcileReport says what one pass did: the records it ended, the rows it
// left alone because Temporal does not know their run, and the rows it could
// not settle for an error (the next pass tries again).
type ReconcileReport struct {
	Changed []ops.Reconciled
	Unknown int
	Failed  int
}

// Run reconciles now and then every Config.Every until ctx ends. Several
// processes reconciling at once write each end once (the compare-and-set).
func (r Reconciler) Run(ctx context.Context) {
	if r.Temporal == nil || r.Store == nil {
		return
	}
	every := r.Config.Every
	if every <= 0 {
		every = DefaultReconcile.Every
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if rep, err := r.Once(ctx); err != nil && ctx.Err() == nil {
			r.Log.Warn("reconcile failed", "error", err)
		} else if rep.Failed > 0 {
			r.Log.Warn("reconcile: some records were not settled; the next pass retries them", "failed", rep.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Once is one pass over the stale removals, then the stale purges.
func (r Reconciler) Once(ctx context.Context) (ReconcileReport, error) {
	var rep ReconcileReport
	before, page := time.Now().Add(-r.Config.Grace), r.Config.Page
	if page <= 0 {
		page = DefaultReconcile.Page
	}
	var afterRun domain.RemovalRecord
	for {
		rows, err := r.Store.StaleRemovals(ctx, before, afterRun, page)
		if err != nil {
			return rep, fmt.Errorf("stale removals: %w", err)
		}
		for _, s := range rows {
			r.removal(ctx, s, &rep)
		}
		if len(rows) < page {
			break
		}
		afterRun = rows[len(rows)-1].Record
	}
	var afterPurge domain.StalePurge
	for {
		rows, err := r.Store.StalePurges(ctx, before, afterPurge, page)
		if err != nil {
			return rep, fmt.Errorf("stale purges: %w", err)
		}
		for _, p := range rows {
			r.purge(ctx, p, &rep)
		}
		if len(rows) < page {
			break
		}
		afterPurge = rows[len(rows)-1]
	}
	r.openMetaCalls(ctx)
	return rep, r.carriers(ctx, &rep)
}

// removal ends one removal run's record if its run is closed.
func (r Reconciler) removal(ctx context.Context, s domain.StaleRemoval, rep *ReconcileReport) {
	rec := s.Record
	log := r.Log.With("removal_id", rec.RemovalID, "run_id", rec.RunID, "status", rec.Status)
	run, ok := r.describe(ctx, log, rec.RemovalID, rec.RunID, rep)
	if !ok {
		return
	}
	var jobs domain.Unlink
	if s.Tombstoned && run.Closed() {
		var err error
		if jobs, _, err = r.Store.UnlinkJob(ctx, rec.RemovalID, rec.RunID); err != nil {
			log.Warn("reconcile: cannot read the run's Meta jobs", "error", err)
			rep.Failed++
			return
		}
	}
	set, ok := domain.ReconcileRemoval(rec.Document(), run, s.Tombstoned, jobs, time.Now())
	if !ok {
		return
	}
	end := domain.AuditEntry{RemovalID: rec.RemovalID, RunID: rec.RunID, AccountID: rec.AccountID, ChannelID: rec.ChannelID,
		Actor: domain.ActorOpsTemporal, Action: set.Action, Detail: set.Detail, Key: domain.ReconcileKey(rec.RemovalID, rec.RunID, set.Action)}
	if err := r.noticeOwed(ctx, s, set.Doc); err != nil {
		log.Warn("reconcile: cannot start the admins' notice", "error", err)
		rep.Failed++
		return
	}
	if err := r.abandonJobs(ctx, jobs, end); err != nil {
		log.Warn("reconcile: cannot abandon the run's Meta jobs", "error", err)
		rep.Failed++
		return
	}
	if err := r.abandonMetaCalls(ctx, log, rec.RemovalID, rec.RunID, s.Tombstoned && run.Closed()); err != nil {
		log.Warn("reconcile: cannot abandon the run's open Meta calls", "error", err)
		rep.Failed++
		return
	}
	won, err := r.Store.SettleRemoval(ctx, rec, set.Doc, end)
	switch {
	case err != nil:
		log.Warn("reconcile: cannot write the removal's end", "error", err)
		rep.Failed++
	case won:
		log.Info("reconciled a removal whose run closed without its end", "run_closed", run, "to", set.Doc.Status)
		rep.Changed = append(rep.Changed, ops.Reconciled{Kind: "removal", ID: rec.RemovalID, RunID: rec.RunID, ChannelID: rec.ChannelID,
			RunClosed: string(run), From: rec.Status, To: string(set.Doc.Status)})
	}
}

// abandonJobs abandons, as the retry window's end does (activities'
// AbandonUnlink), each Meta job the closed run still owed: its token is
// erased, nothing will call Meta with it. Each job's record is its own; the
// subscription's is end itself (meta_unlink_abandoned), so the
// compare-and-set that follows finds its record written and adds none.
// Abandoning counts no attempt: a pass that failed half-way is repeated
// harmlessly.
func (r Reconciler) abandonJobs(ctx context.Context, jobs domain.Unlink, end domain.AuditEntry) error {
	subscription, number, override := jobs.Owed()
	why, _ := end.Detail["reason"].(string)
	now := time.Now()
	own := func(a domain.Action) domain.AuditEntry {
		e := end
		e.Action, e.Key, e.Detail = a, domain.ReconcileKey(end.RemovalID, end.RunID, a), map[string]any{"run_closed": end.Detail["run_closed"], "reason": why}
		return e
	}
	if override {
		if _, err := r.Store.RecordOverrideAttempt(ctx, end.RemovalID, end.RunID, domain.OverrideAbandoned, why, now, own(domain.ActionOverrideReleaseAbandoned)); err != nil {
			return err
		}
	}
	if jobs.OwesCreditLine() {
		if _, err := r.Store.RecordCreditLineAttempt(ctx, end.RemovalID, end.RunID, domain.CreditLineAbandoned, why, now, own(domain.ActionCreditLineRevokeAbandoned)); err != nil {
			return err
		}
	}
	if number {
		if _, err := r.Store.RecordNumberAttempt(ctx, end.RemovalID, end.RunID, domain.NumberAbandoned, why, now, own(domain.ActionNumberReleaseAbandoned)); err != nil {
			return err
		}
	}
	if subscription {
		if _, err := r.Store.RecordUnlinkAttempt(ctx, end.RemovalID, end.RunID, domain.UnlinkAbandoned, why, now, end); err != nil {
			return err
		}
	}
	return nil
}

// purge ends one pending purge if its run (the chain's latest) is closed.
func (r Reconciler) purge(ctx context.Context, s domain.StalePurge, rep *ReconcileReport) {
	p := s.Purge
	id := workflows.PurgeWorkflowID(p.ChannelID)
	log := r.Log.With("purge", id, "status", p.Status)
	run, ok := r.describe(ctx, log, id, "", rep)
	if !ok {
		return
	}
	set, ok := domain.ReconcilePurge(p, run)
	if !ok {
		return
	}
	e := domain.AuditEntry{RemovalID: p.RemovalID, RunID: s.RemovalRunID, AccountID: p.AccountID, ChannelID: p.ChannelID,
		Actor: domain.ActorOpsTemporal, Action: set.Action, Detail: set.Detail, Key: domain.ReconcileKey(p.RemovalID, s.RemovalRunID, set.Action)}
	won, err := r.Store.SettlePurge(ctx, s, set.Purge, e)
	switch {
	case err != nil:
		log.Warn("reconcile: cannot write the purge's end", "error", err)
		rep.Failed++
	case won:
		log.Info("reconciled a purge whose run closed without its end", "run_closed", run, "to", set.Purge.Status)
		rep.Changed = append(rep.Changed, ops.Reconciled{Kind: "purge", ID: id, ChannelID: p.ChannelID, RunClosed: string(run),
			From: string(p.Status), To: string(set.Purge.Status)})
	}
}
