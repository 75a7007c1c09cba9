package api_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// startedNotices records the notices the API starts, by workflow id; fail
// makes every start fail, as with Temporal down.
type startedNotices struct {
	mu   sync.Mutex
	byID map[string]workflows.Notice
	fail bool
}

func (s *startedNotices) StartNotice(_ context.Context, id string, n workflows.Notice) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errors.New("temporal unreachable")
	}
	s.byID[id] = n
	return nil
}

func noticeAPI(t *testing.T, db *sqlx.DB, n api.Notices) *httptest.Server {
	srv := httptest.NewServer(api.New(api.Config{Store: postgres.New(db), Removals: noRemovals{}, JWTSecret: []byte("secret"), CodeSecret: []byte("c"),
		Notices: n, ExportsPerAccount: 8, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

// TestEveryExportStartsItsOwnNotice: 3 exports in a row and 4 at once (one
// X-Request-Id for all) start one notice each, under the id made from the
// export's own server-made id (the one its audit record holds), saying who
// and from where; with no notice started, no export streams (503).
func TestEveryExportStartsItsOwnNotice(t *testing.T) {
	_, db := testdb.New(t)
	a := newTenant(t, seed.Builder{DB: db}, "loja")
	notices := &startedNotices{byID: map[string]workflows.Notice{}}
	srv := noticeAPI(t, db, notices)
	for range 3 {
		if res := call(t, srv, "GET", "/v1/channels/"+a.channel+"/export", a.token, "r", ""); res.StatusCode != 200 {
			t.Fatalf("export: %d", res.StatusCode)
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := call(t, srv, "GET", "/v1/channels/"+a.channel+"/export", a.token, "r", ""); res.StatusCode != 200 {
				t.Errorf("export at once: %d", res.StatusCode)
			}
		}()
	}
	wg.Wait()
	var ids []string
	if err := db.Select(&ids, `SELECT detail->>'export_id' FROM removal_audit_log WHERE channel_id = $1 AND action = 'conversations_exported'`, a.channel); err != nil {
		t.Fatal(err)
	}
	if len(ids) != 7 || len(notices.byID) != 7 {
		t.Fatalf("7 exports: %d records, %d notices", len(ids), len(notices.byID))
	}
	for _, id := range ids {
		n, ok := notices.byID[workflows.NoticeID(domain.NoticeExport, id)]
		if !ok || n.Kind != domain.NoticeExport || n.Admins == nil || n.Admins.Export == nil || n.Admins.Export.ID != id ||
			n.Admins.Actor.UserID != a.admin || n.Admins.Actor.IP == "" || n.Admins.AccountID != a.account || n.Admins.Export.Messages != 1 {
			t.Fatalf("export %s: notice %+v", id, n)
		}
	}

	notices.fail = true
	req, _ := http.NewRequest("GET", srv.URL+"/v1/channels/"+a.channel+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+a.token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("an export whose notice did not start: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
}
