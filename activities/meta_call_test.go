package activities_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/metagraph"
	"github.com/crm/channel-removal/postgres"
)

// A Meta call's intent is written before the call and settled after it
// (activities/meta_call.go): against real Postgres and the Graph simulator
// behind an httptest server that can hold a call.

// gatedGraph serves the simulator, holding the first call whose path has
// hold in it until released; arrived is closed when that call comes in.
type gatedGraph struct {
	hold     string
	url      string
	arrived  chan struct{}
	release  chan struct{}
	once     sync.Once
	requests atomic.Int32 // calls whose path has hold in it
}

func (e *env) gated(hold string) *gatedGraph {
	g := &gatedGraph{hold: hold, arrived: make(chan struct{}), release: make(chan struct{})}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, g.hold) {
			g.requests.Add(1)
			first := false
			g.once.Do(func() { first = true; close(g.arrived) })
			if first {
				<-g.release
			}
		}
		e.graph.ServeHTTP(w, r)
	}))
	e.t.Cleanup(srv.Close)
	g.url = srv.URL
	e.acts.Graph = metagraph.New(srv.URL, "v23.0", 10*time.Second)
	return g
}

// calls counts the simulator's calls whose path has part in it.
func (e *env) calls(part string) int {
	n := 0
	for _, c := range e.graph.Calls() {
		if strings.Contains(c.Path, part) {
			n++
		}
	}
	return n
}

// settledStore is a store whose attempt records all fail: a worker that
// dies right after Meta answered (and its intent was settled).
type settledStore struct{ activities.Store }

func (settledStore) RecordNumberAttempt(context.Context, string, string, domain.NumberStatus, string, time.Time, ...domain.AuditEntry) (domain.NumberJob, error) {
	return domain.NumberJob{}, context.DeadlineExceeded
}

// TestAMetaCallIsMadeOncePerAttempt: Meta answered, and the attempt's record
// did not land; the next try of the same attempt (the activity's retry, or a
// reset run handing the same first run and attempt, on another worker) finds
// Meta's answer in the intent and calls nothing. It used to deregister the
// number a second time, spending Meta's registration quota.
func TestAMetaCallIsMadeOncePerAttempt(t *testing.T) {
	e := newEnv(t)
	ch := e.releasing("W-ONCE")
	if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomeDone {
		t.Fatalf("%+v %v", r, err)
	}
	in := e.attemptAt(ch, domain.PartNumber, 1)
	dying := *e.acts
	dying.Store = settledStore{Store: e.store}
	if _, err := dying.ReleaseNumber(e.ctx, in); err == nil {
		t.Fatal("the attempt whose record failed succeeded")
	}
	if n := e.calls("deregister"); n != 1 {
		t.Fatalf("%d deregister calls", n)
	}
	// The reset run's worker: a store of its own, the same first run and attempt.
	db, err := postgres.Open(e.ctx, e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	other := *e.acts
	other.Store = postgres.New(db)
	for try := range 2 {
		r, err := other.ReleaseNumber(e.ctx, in)
		if err != nil || r.Outcome != domain.OutcomeDone {
			t.Fatalf("try %d: %+v %v", try, r, err)
		}
	}
	if n := e.calls("deregister"); n != 1 {
		t.Fatalf("Meta deregistered the number %d times", n)
	}
	u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
	if u.NumberStatus != domain.NumberReleased || u.NumberAttempts != 1 || strings.Count(e.trail(e.step(ch).RemovalID), "number_released") != 1 {
		t.Fatalf("job %+v, trail %s", u, e.trail(e.step(ch).RemovalID))
	}
}

// TestMetaCallHelperProcess is the worker TestAnOpenMetaCallIsTakenOver
// kills mid-call: it makes one attempt and is killed before it returns.
func TestMetaCallHelperProcess(t *testing.T) {
	dsn := os.Getenv("META_CALL_HELPER_DSN")
	if dsn == "" {
		t.Skip("the killed worker of TestAnOpenMetaCallIsTakenOver")
	}
	var in activities.AttemptInput
	if err := json.Unmarshal([]byte(os.Getenv("META_CALL_HELPER_INPUT")), &in); err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	acts := &activities.Activities{Store: postgres.New(db), Graph: metagraph.New(os.Getenv("META_CALL_HELPER_GRAPH"), "v23.0", 10*time.Second),
		Log: slog.New(slog.DiscardHandler)}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // its lease
	defer cancel()
	acts.Unsubscribe(ctx, in)
}

// TestAnOpenMetaCallIsTakenOver: a worker killed (SIGKILL) after its call
// reached Meta and before Meta's answer was written leaves the intent open,
// listed for ops; the next try waits out the dead try's lease, calls again
// (unsubscribing twice leaves the app unsubscribed) and settles it.
func TestAnOpenMetaCallIsTakenOver(t *testing.T) {
	e := newEnv(t)
	ch := e.removed("messenger", "", "PAGE-KILLED")
	g := e.gated("subscribed_apps")
	in := e.attemptAt(ch, domain.PartSubscription, 1)
	body, _ := json.Marshal(in)
	cmd := exec.Command(os.Args[0], "-test.run=^TestMetaCallHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), "META_CALL_HELPER_DSN="+e.dsn, "META_CALL_HELPER_GRAPH="+g.url, "META_CALL_HELPER_INPUT="+string(body))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-g.arrived:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the helper's call never reached Meta")
	}
	cmd.Process.Kill()
	cmd.Wait()
	close(g.release) // Meta acts on the call nobody hears the answer of

	open, err := e.store.OpenMetaCalls(e.ctx, 10)
	if err != nil || len(open) != 1 || open[0].Part != "subscription" || open[0].Status != domain.MetaCallOpen || open[0].Calls != 1 {
		t.Fatalf("open calls after the kill: %+v %v", open, err)
	}
	if e.attempts(ch) != 0 {
		t.Fatal("the killed try recorded its attempt")
	}
	r, err := e.acts.Unsubscribe(e.ctx, in)
	if err != nil || r.Outcome != domain.OutcomeDone {
		t.Fatalf("the next try: %+v %v", r, err)
	}
	if n := g.requests.Load(); n != 2 {
		t.Fatalf("%d calls to Meta, want the killed one and the takeover", n)
	}
	if open, _ := e.store.OpenMetaCalls(e.ctx, 10); len(open) != 0 {
		t.Fatalf("still open: %+v", open)
	}
	var calls int
	var status string
	e.store.DB().QueryRow(`SELECT calls, status FROM meta_call_intents WHERE removal_id = $1`, in.RemovalID).Scan(&calls, &status)
	if calls != 2 || status != string(domain.MetaCallDone) || e.attempts(ch) != 1 {
		t.Fatalf("intent calls %d status %s, attempts %d", calls, status, e.attempts(ch))
	}
}

// TestRacingTriesCallMetaOnce: tries of one attempt racing (a retry started
// while the first still calls, a second worker) make one call per part: the
// others wait for its answer and return it.
func TestRacingTriesCallMetaOnce(t *testing.T) {
	for _, part := range []struct {
		name, path string
		setup      func(e *env) string
		try        func(e *env, ch string) (activities.AttemptResult, error)
	}{
		{"subscription", "subscribed_apps", func(e *env) string { return e.removed("messenger", "", "PAGE-RACE") },
			func(e *env, ch string) (activities.AttemptResult, error) {
				return e.acts.Unsubscribe(e.ctx, e.attemptAt(ch, domain.PartSubscription, 1))
			}},
		{"number", "deregister", func(e *env) string {
			ch := e.releasing("W-RACE")
			e.unsubscribe(ch)
			return ch
		}, func(e *env, ch string) (activities.AttemptResult, error) {
			return e.acts.ReleaseNumber(e.ctx, e.attemptAt(ch, domain.PartNumber, 1))
		}},
		{"credit line", "CFG-RACE", func(e *env) string {
			ch, _ := e.onCredit("W-CRACE", "CFG-RACE")
			e.unsubscribe(ch)
			return ch
		}, func(e *env, ch string) (activities.AttemptResult, error) {
			return e.acts.RevokeCreditLine(e.ctx, e.attemptAt(ch, domain.PartCreditLine, 1))
		}},
	} {
		t.Run(part.name, func(t *testing.T) {
			e := newEnv(t)
			ch := part.setup(e)
			g := e.gated(part.path)
			claims := &countingClaims{Store: e.store}
			e.acts.Store = claims
			const tries = 5
			var wg sync.WaitGroup
			results := make([]activities.AttemptResult, tries)
			errs := make([]error, tries)
			for i := range tries {
				wg.Add(1)
				go func() { defer wg.Done(); results[i], errs[i] = part.try(e, ch) }()
			}
			// The first call is held until every try claimed it (or until
			// a second call reached Meta: what the intent is there to prevent).
			<-g.arrived
			for claims.n.Load() < tries && g.requests.Load() < 2 {
				time.Sleep(10 * time.Millisecond)
			}
			close(g.release)
			wg.Wait()
			for i := range tries {
				if errs[i] != nil || results[i].Outcome != domain.OutcomeDone {
					t.Fatalf("try %d: %+v %v", i, results[i], errs[i])
				}
			}
			if n := g.requests.Load(); n != 1 {
				t.Fatalf("Meta was called %d times for one attempt", n)
			}
		})
	}
}

// countingClaims counts the tries that claimed a Meta call.
type countingClaims struct {
	activities.Store
	n atomic.Int32
}

func (c *countingClaims) ClaimMetaCall(ctx context.Context, removalID, runID string, p domain.MetaPart, n int, lease time.Duration) (string, domain.MetaCallClaim, error) {
	c.n.Add(1)
	return c.Store.ClaimMetaCall(ctx, removalID, runID, p, n, lease)
}
