package api_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// countingStore counts the reads GET /v1/removals/{id} could make.
type countingStore struct {
	*postgres.Store
	latest, withRemoval atomic.Int32
}

func (s *countingStore) LatestRemoval(ctx context.Context, removalID string) (domain.RemovalRecord, error) {
	s.latest.Add(1)
	return s.Store.LatestRemoval(ctx, removalID)
}

func (s *countingStore) UserWithRemoval(ctx context.Context, userID, channelID, removalID string) (domain.User, *domain.Channel, *domain.RemovalRecord, error) {
	s.withRemoval.Add(1)
	return s.Store.UserWithRemoval(ctx, userID, channelID, removalID)
}

// GET /v1/removals/{id}, which the web app repeats while a removal runs,
// reads the caller, the channel and the latest run in one statement; a
// removal of another account's channel stays a 404.
func TestRemovalIsReadWithItsCaller(t *testing.T) {
	_, db := testdb.New(t)
	store := &countingStore{Store: postgres.New(db)}
	b := seed.Builder{DB: db}
	acc, _ := b.Account("", "Loja", "dono@loja.test")
	admin, _ := b.User("", acc, "admin@loja.test", "Admin", "admin")
	ch, _ := b.Channel(seed.ChannelSpec{AccountID: acc, Name: "E-mail", Kind: "email"})
	other, _ := b.Account("", "Outra", "dono@outra.test")
	otherCh, _ := b.Channel(seed.ChannelSpec{AccountID: other, Name: "Outro", Kind: "email"})
	id := workflows.WorkflowID(ch)
	for i, run := range []struct{ id, status string }{{"run-1", "cancelled"}, {"run-2", "awaiting_code"}} {
		if _, err := db.Exec(`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status, created_at, doc)
			VALUES ($1, $2, $3, $4, $5, now() + $6 * interval '1 second', '{"attempts_left": 4}')`, id, run.id, acc, ch, run.status, i); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status) VALUES ($1, 'run-x', $2, $3, 'awaiting_code')`,
		workflows.WorkflowID(otherCh), other, otherCh); err != nil {
		t.Fatal(err)
	}
	token, _ := api.IssueToken([]byte("secret"), admin, time.Hour)
	srv := httptest.NewServer(api.New(api.Config{Store: store, Removals: noRemovals{}, JWTSecret: []byte("secret"),
		CodeSecret: []byte("c"), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	defer srv.Close()
	get := func(removalID string) (int, domain.Removal) {
		req, _ := http.NewRequest("GET", srv.URL+"/v1/removals/"+removalID, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var doc domain.Removal
		json.NewDecoder(res.Body).Decode(&doc)
		return res.StatusCode, doc
	}
	if st, doc := get(id); st != 200 || doc.RunID != "run-2" || doc.Status != domain.StatusAwaitingCode || doc.AttemptsLeft != 4 {
		t.Fatalf("latest run: %d %+v", st, doc)
	}
	if st, _ := get(workflows.WorkflowID(otherCh)); st != 404 {
		t.Fatalf("another account's removal: %d", st)
	}
	if st, _ := get(workflows.WorkflowID(acc)); st != 404 { // a channel id of no channel
		t.Fatalf("no such channel: %d", st)
	}
	if n, m := store.latest.Load(), store.withRemoval.Load(); n != 0 || m != 3 {
		t.Fatalf("%d separate reads of the run, %d reads with the caller; want 0 and 3", n, m)
	}
}
