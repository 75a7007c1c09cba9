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
