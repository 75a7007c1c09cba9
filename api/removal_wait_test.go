package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// waitingReads is an API over a real database with one removal of the
// caller's account, its latest run in status unlinking.
type waitingReads struct {
	t      *testing.T
	srv    *httptest.Server
	store  *countingStore
	exec   func(q string, args ...any)
	id     string
	bearer string
	// stopping is the server's shutdown, as app.Serve closes it.
	stopping chan struct{}
}

func newWaitingReads(t *testing.T, announced bool) *waitingReads {
	dsn, db := testdb.New(t)
	store := &countingStore{Store: postgres.New(db)}
	b := seed.Builder{DB: db}
	acc, _ := b.Account("", "Loja", "dono@loja.test")
	admin, _ := b.User("", acc, "admin@loja.test", "Admin", "admin")
	ch, _ := b.Channel(seed.ChannelSpec{AccountID: acc, Name: "Messenger", Kind: "messenger", Page: "P1"})
	w := &waitingReads{t: t, store: store, id: workflows.WorkflowID(ch)}
	w.exec = func(q string, args ...any) {
		if _, err := db.Exec(q, args...); err != nil {
			t.Error(err)
		}
	}
	w.exec(`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status) VALUES ($1, 'run-1', $2, $3, 'unlinking')`, w.id, acc, ch)
	cfg := api.Config{Store: store, Removals: noRemovals{}, JWTSecret: []byte("secret"), CodeSecret: []byte("c"),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if announced {
		changes, err := postgres.Listen(dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { changes.Close() })
		cfg.Changes = changes
	}
	w.stopping = make(chan struct{})
	w.srv = httptest.NewUnstartedServer(api.New(cfg).Handler())
	w.srv.Config.BaseContext = func(net.Listener) context.Context { return api.EndWaitsOn(context.Background(), w.stopping) }
	w.srv.Start()
	t.Cleanup(w.srv.Close)
	w.bearer, _ = api.IssueToken([]byte("secret"), admin, time.Hour)
	return w
}

func (w *waitingReads) get(query string) (int, domain.Removal, time.Duration) {
	req, _ := http.NewRequest("GET", w.srv.URL+"/v1/removals/"+w.id+query, nil)
	req.Header.Set("Authorization", "Bearer "+w.bearer)
	t0 := time.Now()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var doc domain.Removal
	json.NewDecoder(res.Body).Decode(&doc)
	return res.StatusCode, doc, time.Since(t0)
}

// later moves the run's status after d, as a step's transaction would.
func (w *waitingReads) later(d time.Duration, status string) {
	go func() {
		time.Sleep(d)
		w.exec(`UPDATE removals SET status = $2, updated_at = now() WHERE removal_id = $1`, w.id, status)
	}()
}

// A waiting read answers when the status it waits past moves on, with the
// row its announcement carried: it watches before it reads the run with its
// caller, so it reads nothing more.
func TestWaitingReadAnswersWhenTheStatusMovesOn(t *testing.T) {
	w := newWaitingReads(t, true)
	w.later(300*time.Millisecond, "completed")
	st, doc, took := w.get("?status=unlinking&wait=20")
	if st != 200 || doc.Status != domain.StatusCompleted {
		t.Fatalf("%d %+v", st, doc)
	}
	if took < 300*time.Millisecond || took > 10*time.Second {
		t.Fatalf("answered after %v: before the change, or not when it was announced", took)
	}
	if n, m := w.store.latest.Load(), w.store.withRemoval.Load(); n != 0 || m != 1 {
		t.Fatalf("%d reads of the run besides %d with the caller; want 0 and 1", n, m)
	}
}

// A read that waits past a status the run has already left answers at once,
// reading nothing more; one whose status stays answers it when the wait ends.
func TestWaitingReadAnswersAtOnceOrWhenTheWaitEnds(t *testing.T) {
	w := newWaitingReads(t, true)
	if st, doc, took := w.get("?status=awaiting_code&wait=20"); st != 200 || doc.Status != domain.StatusUnlinking || took > 10*time.Second {
		t.Fatalf("status already past: %d %+v after %v", st, doc, took)
	}
	if n := w.store.latest.Load(); n != 0 {
		t.Fatalf("%d reads for a status already past", n)
	}
	st, doc, took := w.get("?status=unlinking&wait=1")
	if st != 200 || doc.Status != domain.StatusUnlinking || took < time.Second {
		t.Fatalf("status unchanged: %d %+v after %v", st, doc, took)
	}
	// A write that keeps the status is not a change to answer.
	w.later(100*time.Millisecond, "unlinking")
	if st, doc, took := w.get("?status=unlinking&wait=1"); st != 200 || doc.Status != domain.StatusUnlinking || took < time.Second {
		t.Fatalf("same status written again: %d %+v after %v", st, doc, took)
	}
}

// Without announcements (no listener), a waiting read looks again every second.
func TestWaitingReadWithoutAnnouncementsReadsAgain(t *testing.T) {
	w := newWaitingReads(t, false)
	w.later(200*time.Millisecond, "completed_with_warnings")
	if st, doc, _ := w.get("?status=unlinking&wait=20"); st != 200 || doc.Status != domain.StatusCompletedWithWarnings {
		t.Fatalf("%d %+v", st, doc)
	}
}

// status and wait go together, a known status and 1–30 seconds; anything
// else is a 400, before any wait.
func TestWaitingReadParametersAreChecked(t *testing.T) {
	w := newWaitingReads(t, true)
	for _, q := range []string{"?status=unlinking", "?wait=5", "?status=unlinking&wait=0", "?status=unlinking&wait=31",
		"?status=unlinking&wait=abc", "?status=preflight&wait=5", "?status=bogus&wait=5", "?status=unlinking&wait=-1"} {
		if st, _, _ := w.get(q); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, st)
		}
	}
	if st, _, _ := w.get("?status=completed&wait=30"); st != 200 { // answered at once: the status is past
		t.Errorf("wait=30: %d", st)
	}
}

// A server that shuts down ends its waiting reads at once, with the removal
// as it is, rather than holding its graceful shutdown for them.
func TestWaitingReadEndsWhenTheServerStops(t *testing.T) {
	w := newWaitingReads(t, true)
	go func() {
		time.Sleep(200 * time.Millisecond)
		close(w.stopping)
	}()
	st, doc, took := w.get("?status=unlinking&wait=30")
	if st != 200 || doc.Status != domain.StatusUnlinking || took > 10*time.Second {
		t.Fatalf("%d %+v after %v", st, doc, took)
	}
}
