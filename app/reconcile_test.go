package app_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// runs is a Temporal that knows some runs' states: workflow id/run id →
// status (reset: terminated by a reset); a run it does not list is unknown
// to it (NotFound).
type runs map[string]enumspb.WorkflowExecutionStatus

// reset stands for a run terminated by a reset.
const reset enumspb.WorkflowExecutionStatus = -1

func (r runs) DescribeWorkflowExecution(_ context.Context, id, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	s, ok := r[id+"/"+runID]
	if !ok {
		return nil, serviceerror.NewNotFound("workflow execution not found")
	}
	d := &workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: &workflowpb.WorkflowExecutionInfo{Status: s}}
	if s == reset {
		d.WorkflowExecutionInfo.Status = enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED
		d.WorkflowExtendedInfo = &workflowpb.WorkflowExecutionExtendedInfo{ResetRunId: "the-reset-run"}
	}
	return d, nil
}

// TestReconcilerEndsTerminatedRunsOnceWhoeverRunsIt: a removal terminated
// past its tombstone ends completed_with_warnings with every Meta job
// abandoned and its token erased; one terminated at the code ends cancelled;
// its terminated purge ends cancelled. A running run, a run reset (its reset
// run goes on) and a run Temporal does not know are left alone. Four reconcilers at once write each end once, and
// a second pass changes nothing.
func TestReconcilerEndsTerminatedRunsOnceWhoeverRunsIt(t *testing.T) {
	ctx := context.Background()
	_, db := testdb.New(t)
	store, b := postgres.New(db), seed.Builder{DB: db}
	must := func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	account := must(b.Account("", "Loja", "dono@loja.test"))
	admin := must(b.User("", account, "admin@loja.test", "Admin", "admin"))
	removed := must(b.Channel(seed.ChannelSpec{AccountID: account, Name: "WhatsApp", Kind: "whatsapp_cloud", WABAID: "W1",
		PhoneNumberID: "P1", Token: "segredo", NumberOverride: "https://crm.loja.test/hook"}))
	actor := domain.Actor{UserID: admin}

	// Past the tombstone: three Meta jobs owed, each holding the token; a purge scheduled.
	tombID := workflows.WorkflowID(removed)
	doc := domain.Removal{ID: tombID, RunID: "run-t", ChannelID: removed, AccountID: account, Status: domain.StatusRemoving,
		MetaUnlink: domain.MetaUnlink{Status: domain.UnlinkNotStarted}, Notes: []string{}}
	if _, err := store.RemoveChannel(ctx, domain.Tombstone{ChannelID: removed, RemovalID: tombID, RunID: "run-t", Actor: actor,
		Now: time.Now(), ReleaseNumber: true, Decided: domain.Decided{domain.OutcomeUnlinkOwed: doc}}); err != nil {
		t.Fatal(err)
	}
	if err := store.SchedulePurge(ctx, domain.Purge{ChannelID: removed, AccountID: account, RemovalID: tombID, PurgeAfterDays: 30,
		PurgeAt: time.Now().Add(time.Hour), Status: domain.RetentionScheduled}, domain.AuditEntry{RemovalID: tombID, RunID: "run-t",
		AccountID: account, ChannelID: removed, Actor: actor, Action: domain.ActionPurgeScheduled, Key: "scheduled/" + removed}); err != nil {
		t.Fatal(err)
	}
	// Four removals waiting for the code: terminated, running, reset, unknown to Temporal.
	waiting := map[string]string{}
	for _, name := range []string{"terminated", "running", "reset", "unknown"} {
		ch := must(b.Channel(seed.ChannelSpec{AccountID: account, Name: name, Kind: "email"}))
		id := workflows.WorkflowID(ch)
		d := domain.Removal{ID: id, RunID: "run-w", ChannelID: ch, AccountID: account, Status: domain.StatusAwaitingCode, Notes: []string{}}
		if err := store.AppendAudit(ctx, domain.AuditEntry{RemovalID: id, RunID: "run-w", AccountID: account, ChannelID: ch, Actor: actor,
			Action: domain.ActionCodeSent, Key: id + "/code", Removal: &d}); err != nil {
			t.Fatal(err)
		}
		waiting[name] = id
	}
	temporal := runs{
		tombID + "/run-t":                        enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED,
		workflows.PurgeWorkflowID(removed) + "/": enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED,
		waiting["terminated"] + "/run-w":         enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED,
		waiting["running"] + "/run-w":            enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING,
		waiting["reset"] + "/run-w":              reset,
		waiting["reset"] + "/the-reset-run":      enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, // the run the reset goes on with
	}
	r := app.Reconciler{Store: store, Temporal: temporal, Config: app.ReconcileConfig{DescribeTimeout: time.Second, Page: 2},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	var wg sync.WaitGroup
	var mu sync.Mutex
	changed := map[string]string{}
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := r.Once(ctx)
			if err != nil || rep.Failed > 0 || rep.Unknown != 1 {
				t.Errorf("a pass: %+v %v", rep, err)
			}
			mu.Lock()
			defer mu.Unlock()
			for _, c := range rep.Changed {
				if _, twice := changed[c.ID]; twice {
					t.Errorf("%s changed twice", c.ID)
				}
				changed[c.ID] = c.From + " → " + c.To
			}
		}()
	}
	wg.Wait()
	want := map[string]string{tombID: "removing → completed_with_warnings", waiting["terminated"]: "awaiting_code → cancelled",
		workflows.PurgeWorkflowID(removed): "scheduled → cancelled"}
	if fmt.Sprint(changed) != fmt.Sprint(want) {
		t.Fatalf("changed %v, want %v", changed, want)
	}

	status := func(id, run string) domain.Removal {
		rec, err := store.RemovalRun(ctx, id, run)
		if err != nil {
			t.Fatal(err)
		}
		return rec.Document()
	}
	for _, name := range []string{"running", "reset", "unknown"} {
		if d := status(waiting[name], "run-w"); d.Status != domain.StatusAwaitingCode || d.Final() {
			t.Fatalf("the %s run's record moved: %s", name, d.Status)
		}
	}
	d := status(tombID, "run-t")
	if !d.Final() || d.MetaUnlink.Status != domain.UnlinkAbandoned || d.MetaUnlink.Number.Status != domain.NumberFailed ||
		d.MetaUnlink.Override.Status != domain.OverrideFailed || d.MetaUnlink.LastError == "" {
		t.Fatalf("past the tombstone: %+v", d)
	}
	var tokens, abandoned int
	if err := db.QueryRow(`SELECT
		(SELECT count(*) FROM meta_unlinks WHERE access_token IS NOT NULL) + (SELECT count(*) FROM number_releases WHERE access_token IS NOT NULL)
			+ (SELECT count(*) FROM override_releases WHERE access_token IS NOT NULL),
		(SELECT count(*) FROM meta_unlinks WHERE status = 'abandoned' AND attempts = 0) + (SELECT count(*) FROM number_releases WHERE status = 'abandoned')
			+ (SELECT count(*) FROM override_releases WHERE status = 'abandoned')`).Scan(&tokens, &abandoned); err != nil {
		t.Fatal(err)
	}
	if tokens != 0 || abandoned != 3 {
		t.Fatalf("%d tokens left, %d jobs abandoned; want 0 and 3", tokens, abandoned)
	}
	p, _, err := store.Purge(ctx, removed)
	if err != nil || p.Status != domain.RetentionCancelled {
		t.Fatalf("the purge: %+v %v", p, err)
	}

	records := func() map[string]int {
		rows, err := db.Query(`SELECT action || ' ' || removal_id, count(*) FROM removal_audit_log WHERE actor_user_id = 'ops (Temporal)' GROUP BY 1`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		n := map[string]int{}
		for rows.Next() {
			var k string
			var c int
			rows.Scan(&k, &c)
			n[k] = c
		}
		return n
	}
	first := records()
	wantRecords := map[string]int{"meta_unlink_abandoned " + tombID: 1, "number_release_abandoned " + tombID: 1,
		"webhook_override_release_abandoned " + tombID: 1, "purge_cancelled " + tombID: 1, "removal_cancelled " + waiting["terminated"]: 1}
	if fmt.Sprint(first) != fmt.Sprint(wantRecords) {
		t.Fatalf("records by ops (Temporal): %v, want %v", first, wantRecords)
	}

	rep, err := r.Once(ctx)
	if err != nil || len(rep.Changed) != 0 || rep.Unknown != 1 {
		t.Fatalf("a second pass: %+v %v", rep, err)
	}
	if again := records(); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Fatalf("a second pass wrote records: %v", again)
	}
}
