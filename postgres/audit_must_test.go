package postgres_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// An action a person takes through the API must leave its record: one whose
// record was not written (its key taken) fails, and a hold it would have set
// is undone with it. Before, the record was silently skipped
// (ON CONFLICT DO NOTHING) and the hold changed unaudited.

func holdEntry(f fixture, action domain.Action, key string) domain.AuditEntry {
	return domain.AuditEntry{RemovalID: "remove-channel:" + f.channel, AccountID: f.account, ChannelID: f.channel,
		Actor: domain.Actor{UserID: f.admin, IP: "203.0.113.9"}, Action: action, Key: key}
}

func holdReason(t *testing.T, f fixture) string {
	t.Helper()
	var r *string
	if err := f.store.DB().Get(&r, `SELECT hold_reason FROM channels WHERE id = $1`, f.channel); err != nil {
		t.Fatal(err)
	}
	if r == nil {
		return ""
	}
	return *r
}

func wantNotAudited(t *testing.T, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeInternal {
		t.Fatalf("an action whose record was not written: %v, want an internal error", err)
	}
}

// TestAnActionWhoseRecordWasNotWrittenFails: in a loop, each set and lift of
// a hold under its own key is recorded; one under a key already taken fails
// and leaves the hold as it was; an export's record likewise.
func TestAnActionWhoseRecordWasNotWrittenFails(t *testing.T) {
	f := newFixture(t)
	for i := range 5 {
		reason := fmt.Sprintf("processo %d", i)
		if err := f.store.SetHold(f.ctx, f.channel, &domain.Hold{Reason: reason, By: f.admin, At: time.Now()},
			holdEntry(f, domain.ActionHoldSet, fmt.Sprintf("set-%d", i))); err != nil {
			t.Fatal(err)
		}
		if err := f.store.SetHold(f.ctx, f.channel, nil, holdEntry(f, domain.ActionHoldReleased, fmt.Sprintf("lift-%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, f, `SELECT count(*) FROM removal_audit_log WHERE channel_id = $1 AND action IN ('hold_set', 'hold_released')`, f.channel); n != 10 {
		t.Fatalf("%d hold records for 10 changes", n)
	}
	// A key taken: the hold is not set, and says so.
	err := f.store.SetHold(f.ctx, f.channel, &domain.Hold{Reason: "sem registro", By: f.admin, At: time.Now()}, holdEntry(f, domain.ActionHoldSet, "set-0"))
	wantNotAudited(t, err)
	if r := holdReason(t, f); r != "" {
		t.Fatalf("a hold whose record was not written stands: %q", r)
	}
	e := holdEntry(f, domain.ActionConversationsExported, "export-1")
	if err := f.store.AppendNewAudit(f.ctx, e); err != nil {
		t.Fatal(err)
	}
	wantNotAudited(t, f.store.AppendNewAudit(f.ctx, e))
}

// TestHoldsRacingOnOneKeyLeaveOneRecordAndItsHold: 8 holds at once under one
// key (what one X-Request-Id made before): exactly one is set, and the hold
// that stands is the one recorded.
func TestHoldsRacingOnOneKeyLeaveOneRecordAndItsHold(t *testing.T) {
	f := newFixture(t)
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := holdEntry(f, domain.ActionHoldSet, "one-key")
			reason := fmt.Sprintf("processo %d", i)
			e.Detail = map[string]any{"reason": reason}
			errs[i] = f.store.SetHold(f.ctx, f.channel, &domain.Hold{Reason: reason, By: f.admin, At: time.Now()}, e)
		}()
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else {
			wantNotAudited(t, err)
		}
	}
	var recorded string
	if err := f.store.DB().Get(&recorded, `SELECT detail->>'reason' FROM removal_audit_log WHERE idempotency_key = 'one-key'`); err != nil {
		t.Fatal(err)
	}
	if ok != 1 || holdReason(t, f) != recorded {
		t.Fatalf("%d holds succeeded; the hold is %q, the record says %q", ok, holdReason(t, f), recorded)
	}
}

// TestAHoldRacingATransactionThatTakesItsKey: a transaction holds the key
// uncommitted while the hold is set; the hold waits for it, and fails if it
// commits (nothing set), or goes through if it rolls back.
func TestAHoldRacingATransactionThatTakesItsKey(t *testing.T) {
	for _, commit := range []bool{true, false} {
		t.Run(fmt.Sprintf("commit=%v", commit), func(t *testing.T) {
			f := newFixture(t)
			tx, err := f.store.DB().Beginx()
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.Exec(`INSERT INTO removal_audit_log (removal_id, run_id, action, idempotency_key) VALUES ('x', '', 'other', 'raced')`); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() {
				done <- f.store.SetHold(f.ctx, f.channel, &domain.Hold{Reason: "processo", By: f.admin, At: time.Now()}, holdEntry(f, domain.ActionHoldSet, "raced"))
			}()
			waitForLockWait(t, f)
			if commit {
				tx.Commit()
				wantNotAudited(t, <-done)
				if r := holdReason(t, f); r != "" {
					t.Fatalf("the hold stands without its record: %q", r)
				}
				return
			}
			tx.Rollback()
			if err := <-done; err != nil || holdReason(t, f) != "processo" {
				t.Fatalf("after the rollback: %v, hold %q", err, holdReason(t, f))
			}
		})
	}
}

// waitForLockWait returns once a session of the test's database waits on a lock.
func waitForLockWait(t *testing.T, f fixture) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if count(t, f, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("nothing waited on the lock")
}
