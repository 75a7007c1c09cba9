package activities_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/vcode"
)

// TestTheAccountsGuessBudgetHoldsAgainstConcurrentChannels: an attacker who
// opens removals on many channels of one account and guesses on all of them
// at once gets no more wrong codes than the account's budget, however the
// checks interleave (each reads the account's count; without a lock, all
// read the same count and all land).
func TestTheAccountsGuessBudgetHoldsAgainstConcurrentChannels(t *testing.T) {
	e := newEnv(t)
	e.acts.Policy.Limits = domain.CodeLimits{CodeEmails: domain.CodeEmailsPerChannel,
		LockedPerAccount: domain.Limit{Max: 1, Window: 24 * time.Hour}} // 5 wrong codes per account
	budget := e.acts.Policy.Limits.LockedPerAccount.WrongCodeBudget()
	const channels = 8
	chs := make([]string, channels)
	for i := range chs {
		chs[i] = e.channel("messenger", "", fmt.Sprintf("PG%d", i))
		if _, err := e.send(chs[i], 1); err != nil {
			t.Fatal(err)
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, channels*domain.MaxCodeAttempts)
	for _, ch := range chs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			s := e.step(ch)
			for seq := 1; seq <= domain.MaxCodeAttempts; seq++ {
				r, err := e.acts.VerifyCode(e.ctx, activities.VerifyInput{Step: s, Seq: seq,
					CodeHash: vcode.Hash(secret, s.RemovalID, "999999x"), Decided: checkDocs()})
				if err != nil {
					errs <- err
					return
				}
				if r.Locked {
					return
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// The codes compared: each compared attempt moves its challenge's
	// last_attempt_seq; one refused for the budget leaves it.
	var wrong int
	if err := e.store.DB().Get(&wrong, `SELECT COALESCE(sum(last_attempt_seq), 0) FROM verification_challenges WHERE account_id = $1`, e.account); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d channels guessing at once: %d codes compared, budget %d", channels, wrong, budget)
	if wrong > budget {
		t.Fatalf("the account had %d codes compared; its budget is %d", wrong, budget)
	}
	if wrong < budget {
		t.Fatalf("only %d wrong codes before the lock; the budget is %d", wrong, budget)
	}
}

// TestACodeCheckWaitsForTheAccountsOtherCheck: a check on another channel
// of the account holds the account's row while it records the wrong code
// that spends the budget; a check arriving meanwhile waits for it, then
// counts that code and compares nothing. Without the row lock it would have
// read the count from before and compared a code past the budget.
func TestACodeCheckWaitsForTheAccountsOtherCheck(t *testing.T) {
	e := newEnv(t)
	e.acts.Policy.Limits = domain.CodeLimits{CodeEmails: domain.CodeEmailsPerChannel,
		LockedPerAccount: domain.Limit{Max: 1, Window: 24 * time.Hour}}
	budget := e.acts.Policy.Limits.LockedPerAccount.WrongCodeBudget()
	checked, other := e.channel("messenger", "", "PG-checked"), e.channel("messenger", "", "PG-other")
	if _, err := e.send(checked, 1); err != nil {
		t.Fatal(err)
	}
	db := e.store.DB()
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, e.account); err != nil {
		t.Fatal(err)
	}
	for i := range budget { // the other check's wrong codes, the budget's whole
		if _, err := tx.Exec(`INSERT INTO removal_audit_log (removal_id, run_id, account_id, channel_id, action, detail, idempotency_key)
			VALUES ($1, 'run-1', $2, $3, 'code_rejected', '{}', $4)`, "remove-channel:"+other, e.account, other, fmt.Sprintf("race/%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan activities.VerifyResult, 1)
	go func() {
		s := e.step(checked)
		r, err := e.acts.VerifyCode(e.ctx, activities.VerifyInput{Step: s, Seq: 1, CodeHash: vcode.Hash(secret, s.RemovalID, "999999x"), Decided: checkDocs()})
		if err != nil {
			t.Error(err)
		}
		done <- r
	}()
	// The check waits on the account's row.
	for waiting := 0; waiting == 0; {
		select {
		case r := <-done:
			t.Fatalf("the check did not wait for the other: %+v", r)
		case <-time.After(10 * time.Millisecond):
		}
		if err := db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%FROM accounts WHERE id = $1 FOR NO KEY UPDATE%'`); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	var compared int
	if err := db.Get(&compared, `SELECT last_attempt_seq FROM verification_challenges WHERE channel_id = $1`, checked); err != nil {
		t.Fatal(err)
	}
	if !r.Locked || compared != 0 {
		t.Fatalf("after the other check spent the budget: %+v, %d codes compared", r, compared)
	}
}
