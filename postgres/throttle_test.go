package postgres_test

import (
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// A throttle's hits are counted one after another however many arrive at
// once: 50 concurrent hits on one bucket see the counts 1 to 50, each once,
// so exactly the limit's worth are within it.
func TestThrottleCountsConcurrentHitsOneByOne(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	const n = 50
	counts := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range counts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			b, err := f.store.Hit(f.ctx, now, time.Minute, "sign-in:ip:203.0.113.1", "sign-in:email:a@b.test")
			if err != nil {
				t.Error(err)
				return
			}
			counts[i] = b[0].Hits
		}()
	}
	close(start)
	wg.Wait()
	sort.Ints(counts)
	for i, c := range counts {
		if c != i+1 {
			t.Fatalf("counts %v", counts)
		}
	}
	limit := domain.Limit{Max: 5, Window: time.Minute}
	within := 0
	for _, c := range counts {
		if limit.Over(domain.Bucket{Hits: c, WindowStart: now}, now) == 0 {
			within++
		}
	}
	if within != 5 {
		t.Fatalf("%d hits within a limit of 5", within)
	}
	// A new window starts over.
	b, err := f.store.Hit(f.ctx, now.Add(2*time.Minute), time.Minute, "sign-in:ip:203.0.113.1")
	if err != nil || b[0].Hits != 1 || b[0].WindowStart.Sub(now.Add(2*time.Minute)).Abs() > time.Microsecond {
		t.Fatalf("after the window: %+v %v", b, err)
	}
}

// Buckets whose window passed and expired sessions are swept.
func TestSweepDeletesOldBucketsAndExpiredSessions(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	if _, err := f.store.Hit(f.ctx, now.Add(-2*time.Hour), time.Minute, "old"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Hit(f.ctx, now, time.Minute, "new"); err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateSession(f.ctx, []byte("expired-token-hash"), f.admin, now.Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.store.CreateSession(f.ctx, []byte("live-token-hash"), f.admin, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	b, s, err := f.store.Sweep(f.ctx, now, now.Add(-time.Hour))
	if err != nil || b != 1 || s != 1 {
		t.Fatalf("swept %d buckets, %d sessions: %v", b, s, err)
	}
	var left []string
	f.store.DB().Select(&left, `SELECT key FROM rate_limits`)
	if strings.Join(left, ",") != "new" {
		t.Fatalf("left %v", left)
	}
}

// Sign-in looks the e-mail up by an index, not a scan of users.
func TestSignInLookupUsesAnIndex(t *testing.T) {
	f := newFixture(t)
	tx := f.store.DB().MustBegin()
	defer tx.Rollback()
	tx.MustExec(`SET LOCAL enable_seqscan = off`)
	var plan []string
	if err := tx.Select(&plan, `EXPLAIN SELECT id FROM users WHERE lower(email) = lower($1)`, "Admin@Loja.test"); err != nil {
		t.Fatal(err)
	}
	if p := strings.Join(plan, "\n"); !strings.Contains(p, "users_email_lower_idx") {
		t.Fatalf("plan:\n%s", p)
	}
}

// A signal's claimed actor is kept in the record's detail; the record's
// actor is ops (Temporal).
func TestASignalsClaimIsRecordedAsDetailNotAsTheActor(t *testing.T) {
	f := newFixture(t)
	e := domain.AuditEntry{RemovalID: "remove-channel:" + f.channel, RunID: "run-1", AccountID: f.account, ChannelID: f.channel,
		Actor: domain.SignalActor(domain.Actor{UserID: f.admin, IP: "203.0.113.7"}), Action: "removal_cancelled", Key: "k-1"}
	if err := f.store.AppendAudit(f.ctx, e); err != nil {
		t.Fatal(err)
	}
	recs, err := f.store.AuditTrail(f.ctx, e.RemovalID)
	if err != nil || len(recs) != 1 || recs[0].ActorUser == nil || *recs[0].ActorUser != "ops (Temporal)" || recs[0].ActorIP != nil ||
		!strings.Contains(string(recs[0].Detail), `"claimed_actor": {"ip": "203.0.113.7", "user_id": "`+f.admin+`"}`) {
		t.Fatalf("%+v %s %v", recs, recs[0].Detail, err)
	}
}
