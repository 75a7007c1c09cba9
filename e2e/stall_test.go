package e2e

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// A stalled database is a wait, not a failure (issue "runs that ops can
// steer", item 4): a failover or a migration holds the account's row while
// the admin enters the right code.

// postWithKey posts body with an Idempotency-Key, as a client retrying one
// request does.
func (s *stack) postWithKey(path, key string, body any) resp {
	s.t.Helper()
	return s.doWith("POST", path, s.adminToken, body, http.Header{"Idempotency-Key": {key}})
}

// lockAccount holds the account's row locked, as a failover or a migration
// would, until the transaction it returns ends.
func (s *stack) lockAccount() *sql.Tx {
	s.t.Helper()
	tx, err := s.store.DB().BeginTx(context.Background(), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, err := tx.Exec(`SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, s.account); err != nil {
		tx.Rollback()
		s.t.Fatal(err)
	}
	return tx
}

// TestTheRightCodeSurvivesA40SecondLockOnTheAccount: while another
// transaction holds the account's row for 40 s, the verify answers 503 with
// Retry-After and the removal stays awaiting_code; the client sends the same
// request again (same Idempotency-Key) after each Retry-After, and once the
// lock is gone the removal completes with that code, checked once. (It used
// to end the removal failed after about 15 s, the API still saying
// awaiting_code, the right code lost.)
func TestTheRightCodeSurvivesA40SecondLockOnTheAccount(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "PSTALL-"+s.account[:8])
	id := s.acknowledged(ch)
	code := s.lastCode()

	tx := s.lockAccount()
	defer tx.Rollback()
	const lock = 40 * time.Second
	released := time.Now().Add(lock)
	go func() {
		time.Sleep(lock)
		tx.Rollback()
	}()

	var unavailable int
	for {
		r := s.postWithKey("/v1/removals/"+id+"/verify", "verify-"+id, map[string]any{"code": code})
		if r.Status == 200 {
			if st := r.str("status"); st != string(domain.StatusRemoving) && st != string(domain.StatusCompleted) {
				t.Fatalf("verified: %s", r.Raw)
			}
			break
		}
		if r.Status != 503 || r.str("code") != string(domain.CodeUnavailable) {
			t.Fatalf("during the lock the verify answered %d: %s", r.Status, r.Raw)
		}
		wait, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || wait <= 0 {
			t.Fatalf("503 without Retry-After: %v", r.Header)
		}
		unavailable++
		if time.Now().Before(released) {
			if st := s.do("GET", "/v1/removals/"+id, s.adminToken, nil).str("status"); st != string(domain.StatusAwaitingCode) {
				t.Fatalf("during the lock the removal reads %s", st)
			}
		}
		if time.Now().After(released.Add(time.Minute)) {
			t.Fatal("the verify never succeeded after the lock was gone")
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
	if unavailable == 0 {
		t.Fatal("the verify never waited for the lock: the test proves nothing")
	}
	s.until(id, string(domain.StatusCompleted))
	trail, _ := s.store.AuditTrail(context.Background(), id)
	checks := 0
	for _, a := range trail {
		if a.Action == string(domain.ActionCodeVerified) || a.Action == string(domain.ActionCodeRejected) {
			checks++
		}
	}
	if checks != 1 {
		t.Fatalf("%d code checks recorded, want 1: %s", checks, s.auditActions(id))
	}
	t.Logf("503 answers during the %s lock: %d", lock, unavailable)
}

// TestARetriedVerifyIsTheSameAttempt: a wrong code sent twice with one
// Idempotency-Key (a client retrying after a timeout) spends one attempt and
// answers the same; without a key, each request is an attempt of its own.
func TestARetriedVerifyIsTheSameAttempt(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "PRETRY-"+s.account[:8])
	id := s.acknowledged(ch)
	wrong := map[string]any{"code": "000000"}
	if s.lastCode() == "000000" {
		wrong["code"] = "000001"
	}
	left := func(r resp) float64 {
		s.want(r, 422, string(domain.CodeInvalidCode))
		n, _ := r.Body["attempts_left"].(float64)
		return n
	}
	first := left(s.postWithKey("/v1/removals/"+id+"/verify", "k-"+id, wrong))
	if again := left(s.postWithKey("/v1/removals/"+id+"/verify", "k-"+id, wrong)); again != first || first != 4 {
		t.Fatalf("the same request twice left %v then %v attempts, want 4 and 4", first, again)
	}
	if other := left(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, wrong)); other != 3 {
		t.Fatalf("a request without a key left %v attempts, want 3", other)
	}
}

// TestACancelDuringAStalledVerifyAnswersTheCancellation: ops cancel from
// Temporal while a verify waits out a lock on the account; the verify, and
// the client's retries with the same Idempotency-Key, answer 409 (the removal
// was cancelled), not a 503 for ever (the update used to fail with the
// run's cancellation, an outcome its UpdateID kept).
func TestACancelDuringAStalledVerifyAnswersTheCancellation(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "PSTALLC-"+s.account[:8])
	id := s.acknowledged(ch)
	code := s.lastCode()
	tx := s.lockAccount()
	defer tx.Rollback()
	done := make(chan resp, 1)
	go func() { done <- s.postWithKey("/v1/removals/"+id+"/verify", "k-"+id, map[string]any{"code": code}) }()
	s.eventually(func() bool { // the verify is in the run, its code check waiting for the lock
		var waiting bool
		s.store.DB().Get(&waiting, `SELECT EXISTS (SELECT 1 FROM pg_locks WHERE NOT granted)`)
		return waiting
	})
	if err := s.tc.CancelWorkflow(context.Background(), id, ""); err != nil {
		t.Fatal(err)
	}
	s.want(<-done, 409, string(domain.CodeInvalidState))
	s.want(s.postWithKey("/v1/removals/"+id+"/verify", "k-"+id, map[string]any{"code": code}), 409, string(domain.CodeInvalidState))
	if st := s.until(id, string(domain.StatusCancelled)).str("status"); st != string(domain.StatusCancelled) {
		t.Fatal(st)
	}
}
