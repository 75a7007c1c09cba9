package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// writeRun moves the run's row to status, as a workflow's step does (a
// record carrying its document); seq keeps the records apart.
func writeRun(t *testing.T, f fixture, removalID, runID string, status domain.Status, seq int) {
	t.Helper()
	doc := domain.Removal{ID: removalID, RunID: runID, ChannelID: f.channel, AccountID: f.account, Status: status, Notes: []string{}}
	if status.Terminal() {
		now := time.Now()
		doc.CompletedAt = &now
	}
	if err := f.store.AppendAudit(f.ctx, domain.AuditEntry{RemovalID: removalID, RunID: runID, AccountID: f.account, ChannelID: f.channel,
		Actor: domain.Actor{UserID: f.admin}, Action: domain.ActionCodeSent, Key: fmt.Sprintf("%s/%s/step/%d", removalID, runID, seq), Removal: &doc}); err != nil {
		t.Fatal(err)
	}
}

// staleRun is the run's row as the reconciler lists it.
func staleRun(t *testing.T, f fixture, runID string) (domain.StaleRemoval, bool) {
	t.Helper()
	rows, err := f.store.StaleRemovals(f.ctx, time.Now().Add(time.Minute), domain.RemovalRecord{}, 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.Record.RunID == runID {
			return r, true
		}
	}
	return domain.StaleRemoval{}, false
}

func cancelled(f fixture, rec domain.RemovalRecord) (domain.Removal, domain.AuditEntry) {
	set, _ := domain.ReconcileRemoval(rec.Document(), domain.RunTerminated, false, domain.Unlink{}, time.Now())
	return set.Doc, domain.AuditEntry{RemovalID: rec.RemovalID, RunID: rec.RunID, AccountID: rec.AccountID, ChannelID: rec.ChannelID,
		Actor: domain.ActorOpsTemporal, Action: set.Action, Detail: set.Detail, Key: domain.ReconcileKey(rec.RemovalID, rec.RunID, set.Action)}
}

// TestSettleRemovalIsACompareAndSet: the reconciler's write lands only while
// the row still says what it read: a row its run moved meanwhile is left as
// the run wrote it, with no record; of eight processes settling one row at
// once exactly one writes, once; the settled row is final and listed no more.
func TestSettleRemovalIsACompareAndSet(t *testing.T) {
	f := newFixture(t)
	id := "remove-channel:" + f.channel
	writeRun(t, f, id, "run-1", domain.StatusAwaitingCode, 1)
	read, ok := staleRun(t, f, "run-1")
	if !ok || read.Tombstoned || read.Record.Status != string(domain.StatusAwaitingCode) {
		t.Fatalf("the open run is not listed as it is: %+v %v", read, ok)
	}
	if rows, err := f.store.StaleRemovals(f.ctx, read.Record.UpdatedAt, domain.RemovalRecord{}, 100); err != nil || len(rows) != 0 {
		t.Fatalf("a row written within the grace period is listed: %v %v", rows, err)
	}

	// The run writes again after the read: the stale read loses.
	writeRun(t, f, id, "run-1", domain.StatusAwaitingCode, 2)
	doc, e := cancelled(f, read.Record)
	if won, err := f.store.SettleRemoval(f.ctx, read.Record, doc, e); err != nil || won {
		t.Fatalf("a settle over a row that moved: won %v, %v", won, err)
	}
	if n := count(t, f, `SELECT count(*) FROM removal_audit_log WHERE removal_id = $1 AND action = 'removal_cancelled'`, id); n != 0 {
		t.Fatalf("a lost settle wrote %d records", n)
	}
	if cur, _ := f.store.RemovalRun(f.ctx, id, "run-1"); cur.Status != string(domain.StatusAwaitingCode) || cur.CompletedAt != nil {
		t.Fatalf("a lost settle moved the row: %+v", cur)
	}

	// Eight processes settle the fresh read at once: one writes.
	read, _ = staleRun(t, f, "run-1")
	doc, e = cancelled(f, read.Record)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won, err := f.store.SettleRemoval(f.ctx, read.Record, doc, e)
			if err != nil {
				t.Error(err)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d settles won, want 1", wins)
	}
	if n := count(t, f, `SELECT count(*) FROM removal_audit_log WHERE removal_id = $1 AND action = 'removal_cancelled' AND actor_user_id = 'ops (Temporal)'`, id); n != 1 {
		t.Fatalf("%d removal_cancelled records by ops (Temporal), want 1", n)
	}
	cur, err := f.store.RemovalRun(f.ctx, id, "run-1")
	if got := cur.Document(); err != nil || got.Status != domain.StatusCancelled || !got.Final() || got.Step != doc.Step {
		t.Fatalf("the settled row: %+v %v", got, err)
	}
	if _, listed := staleRun(t, f, "run-1"); listed {
		t.Fatal("a settled row is still listed")
	}
	// A straggling write of the run changes a final row no more.
	writeRun(t, f, id, "run-1", domain.StatusRemoving, 3)
	if again, _ := f.store.RemovalRun(f.ctx, id, "run-1"); again.Status != string(domain.StatusCancelled) {
		t.Fatalf("a final row moved to %s", again.Status)
	}
}

// TestStaleRemovalsPageAndTellTheTombstone: the listing goes past a page of
// rows left alone (open runs), and says which runs' removal tombstoned the
// channel.
func TestStaleRemovalsPageAndTellTheTombstone(t *testing.T) {
	f := newFixture(t)
	id := "remove-channel:" + f.channel
	for i := 1; i <= 5; i++ {
		writeRun(t, f, id, fmt.Sprintf("run-%d", i), domain.StatusAwaitingAcknowledgement, i)
	}
	writeRun(t, f, id, "run-done", domain.StatusExpired, 9)
	if _, err := f.store.DB().Exec(`UPDATE channels SET status = 'removed', removed_at = now(), removed_by = $2 WHERE id = $1`, f.channel, id); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var after domain.RemovalRecord
	for pages := 0; ; pages++ {
		rows, err := f.store.StaleRemovals(f.ctx, time.Now().Add(time.Minute), after, 2)
		if err != nil || pages > 5 {
			t.Fatalf("page %d: %v", pages, err)
		}
		for _, r := range rows {
			if !r.Tombstoned {
				t.Fatalf("%s: the channel removed by this removal is not told", r.Record.RunID)
			}
			seen = append(seen, r.Record.RunID)
		}
		if len(rows) < 2 {
			break
		}
		after = rows[len(rows)-1].Record
	}
	if len(seen) != 5 {
		t.Fatalf("listed %v, want the 5 open runs once each", seen)
	}
}

// TestSettlePurgeIsACompareAndSet: a pending purge is listed with the run of
// the removal that scheduled it; a settle over a purge its run moved
// meanwhile writes nothing; of eight at once one writes, keeping the counts.
func TestSettlePurgeIsACompareAndSet(t *testing.T) {
	f, removed, _ := purgeFixture(t, 2, 3)
	list := func() (domain.StalePurge, bool) {
		rows, err := f.store.StalePurges(f.ctx, time.Now().Add(time.Minute), domain.StalePurge{}, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			if r.Purge.ChannelID == removed {
				return r, true
			}
		}
		return domain.StalePurge{}, false
	}
	read, ok := list()
	if !ok || read.RemovalRunID != "run-1" || read.Purge.Status != domain.RetentionScheduled {
		t.Fatalf("the pending purge is not listed as it is: %+v %v", read, ok)
	}
	entry := func(s domain.PurgeSettlement) domain.AuditEntry {
		return domain.AuditEntry{RemovalID: read.Purge.RemovalID, RunID: read.RemovalRunID, AccountID: f.account, ChannelID: removed,
			Actor: domain.ActorOpsTemporal, Action: s.Action, Detail: s.Detail, Key: domain.ReconcileKey(read.Purge.RemovalID, read.RemovalRunID, s.Action)}
	}
	// The purge starts after the read (a batch counts): the stale read loses.
	if _, err := f.store.StartPurge(f.ctx, removed, domain.AuditEntry{RemovalID: read.Purge.RemovalID, RunID: "run-1", AccountID: f.account,
		ChannelID: removed, Actor: domain.ActorRetention, Action: domain.ActionPurgeStarted, Key: "started/" + removed}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.store.PurgeBatch(f.ctx, removed, 4); err != nil {
		t.Fatal(err)
	}
	set, _ := domain.ReconcilePurge(read.Purge, domain.RunTerminated)
	if won, err := f.store.SettlePurge(f.ctx, read, set.Purge, entry(set)); err != nil || won {
		t.Fatalf("a settle over a purge that moved: won %v, %v", won, err)
	}
	read, _ = list()
	set, _ = domain.ReconcilePurge(read.Purge, domain.RunTerminated)
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			won, err := f.store.SettlePurge(f.ctx, read, set.Purge, entry(set))
			if err != nil {
				t.Error(err)
			}
			if won {
				mu.Lock()
				wins++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	p, _, err := f.store.Purge(f.ctx, removed)
	if err != nil || wins != 1 || p.Status != domain.RetentionCancelled || p.PurgedMessages != 4 {
		t.Fatalf("%d settles won, the purge %+v %v; want 1, cancelled with its 4 messages purged", wins, p, err)
	}
	if n := count(t, f, `SELECT count(*) FROM removal_audit_log WHERE channel_id = $1 AND action = 'purge_cancelled' AND actor_user_id = 'ops (Temporal)'
			AND (detail->>'purged_messages')::int = 4`, removed); n != 1 {
		t.Fatalf("%d purge_cancelled records with the count, want 1", n)
	}
	if _, listed := list(); listed {
		t.Fatal("a settled purge is still listed")
	}
}
