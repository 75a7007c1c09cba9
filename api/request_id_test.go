package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// X-Request-Id (SPEC §9) is echoed and logged, never a key: before, it became
// the audit key of exports, holds and refused starts, so one id recorded only
// the first of them and another tenant could claim an id in advance.

type tenant struct {
	account, admin, channel, token string
}

func newTenant(t *testing.T, b seed.Builder, name string) tenant {
	t.Helper()
	must := func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	var x tenant
	x.account = must(b.Account("", name, "dono@"+name+".test"))
	x.admin = must(b.User("", x.account, "admin@"+name+".test", "Admin "+name, "admin"))
	x.channel = must(b.Channel(seed.ChannelSpec{AccountID: x.account, Name: "E-mail", Kind: "email"}))
	contact := must(b.Contact("", x.account, "Maria", "maria@cliente.test"))
	conv := must(b.Conversation("", x.account, x.channel, contact, "closed"))
	must(b.Message(conv, "", "oi"))
	x.token = must(api.IssueToken([]byte("secret"), x.admin, time.Hour))
	return x
}

// auditAPI is an API on the real store, with the start limit at 1 in 10 min.
func auditAPI(t *testing.T, store api.Store) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(api.New(api.Config{Store: store, Removals: noRemovals{}, JWTSecret: []byte("secret"), CodeSecret: []byte("c"),
		StartLimit: domain.Limit{Max: 1, Window: 10 * time.Minute}, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}).Handler())
	t.Cleanup(srv.Close)
	return srv
}

func call(t *testing.T, srv *httptest.Server, method, path, token, requestID, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("X-Request-Id", requestID)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	res.Body = io.NopCloser(bytes.NewReader(b)) // read, and kept for a caller that wants it
	if got := res.Header.Get("X-Request-Id"); got != requestID {
		t.Fatalf("X-Request-Id %q echoed as %q", requestID, got)
	}
	return res
}

func records(t *testing.T, db *sqlx.DB, channel string, action domain.Action) int {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM removal_audit_log WHERE channel_id = $1 AND action = $2`, channel, action); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestARequestIdKeysNoAuditRecord: in a loop, 3 exports, 2 holds set and
// lifted and 3 refused starts under one X-Request-Id each leave their own
// record; another tenant that used the id first takes nothing from this one;
// 6 holds set and lifted at once under one id leave a record for each.
func TestARequestIdKeysNoAuditRecord(t *testing.T) {
	_, db := testdb.New(t)
	b := seed.Builder{DB: db}
	a, other := newTenant(t, b, "loja"), newTenant(t, b, "outra")
	srv := auditAPI(t, postgres.New(db))

	// The other tenant claims the id first.
	if res := call(t, srv, "GET", "/v1/channels/"+other.channel+"/export", other.token, "a", ""); res.StatusCode != 200 {
		t.Fatalf("other tenant's export: %d", res.StatusCode)
	}
	for range 3 {
		if res := call(t, srv, "GET", "/v1/channels/"+a.channel+"/export", a.token, "a", ""); res.StatusCode != 200 {
			t.Fatalf("export: %d", res.StatusCode)
		}
	}
	if n := records(t, db, a.channel, domain.ActionConversationsExported); n != 3 {
		t.Fatalf("3 exports under one X-Request-Id left %d records", n)
	}
	for range 2 {
		res := call(t, srv, "PUT", "/v1/channels/"+a.channel+"/hold", a.token, "h", `{"reason":"processo 1"}`)
		var set struct {
			Hold struct {
				Version string `json:"version"`
			} `json:"hold"`
		}
		if err := json.NewDecoder(res.Body).Decode(&set); err != nil || res.StatusCode != 200 {
			t.Fatalf("hold: %d %v", res.StatusCode, err)
		}
		if res := call(t, srv, "DELETE", "/v1/channels/"+a.channel+"/hold?version="+url.QueryEscape(set.Hold.Version), a.token, "h", ""); res.StatusCode != 200 {
			t.Fatalf("lift: %d", res.StatusCode)
		}
	}
	if n := records(t, db, a.channel, domain.ActionHoldSet) + records(t, db, a.channel, domain.ActionHoldReleased); n != 4 {
		t.Fatalf("2 holds set and lifted under one X-Request-Id left %d of 4 records", n)
	}
	call(t, srv, "POST", "/v1/channels/"+a.channel+"/removals", a.token, "s", "") // the one start allowed (no Temporal here)
	for range 3 {
		if res := call(t, srv, "POST", "/v1/channels/"+a.channel+"/removals", a.token, "s", ""); res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("start over the limit: %d", res.StatusCode)
		}
	}
	if n := records(t, db, a.channel, domain.ActionStartRefused); n != 3 {
		t.Fatalf("3 refused starts under one X-Request-Id left %d records", n)
	}

	// At once: every hold that answered 200 has its record.
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := call(t, srv, "PUT", "/v1/channels/"+a.channel+"/hold", a.token, "p", `{"reason":"processo 2"}`)
			mu.Lock()
			defer mu.Unlock()
			if res.StatusCode == 200 {
				ok++
			}
		}()
	}
	wg.Wait()
	if n := records(t, db, a.channel, domain.ActionHoldSet); n != 2+ok || ok != 6 {
		t.Fatalf("%d holds at once answered 200 and left %d records", ok, n-2)
	}
	var keys []string
	if err := db.Select(&keys, `SELECT idempotency_key FROM removal_audit_log WHERE channel_id = $1`, a.channel); err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, "account:"+a.account+"/") {
			t.Fatalf("audit key %q is not the server's, scoped to the account", k)
		}
	}
}

// holdVersion is the version of the hold standing on the channel.
func holdVersion(t *testing.T, db *sqlx.DB, channel string) string {
	t.Helper()
	var at time.Time
	if err := db.Get(&at, `SELECT hold_at FROM channels WHERE id = $1`, channel); err != nil {
		t.Fatal(err)
	}
	return domain.HoldVersion(at)
}

// takenKeys is the store as it would be if every record's key were taken.
type takenKeys struct{ *postgres.Store }

func (s takenKeys) AppendNewAudit(ctx context.Context, e domain.AuditEntry) error {
	e.Key = "taken"
	return s.Store.AppendNewAudit(ctx, e)
}

func (s takenKeys) SetHold(ctx context.Context, channelID string, hold *domain.Hold, e domain.AuditEntry) error {
	e.Key = "taken"
	return s.Store.SetHold(ctx, channelID, hold, e)
}

// TestAnActionWithoutItsRecordFails: an export, a hold and a refused start
// whose record could not be written answer a 500 problem, never their
// effect: no zip, no hold.
func TestAnActionWithoutItsRecordFails(t *testing.T) {
	_, db := testdb.New(t)
	a := newTenant(t, seed.Builder{DB: db}, "loja")
	store := postgres.New(db)
	if err := store.AppendNewAudit(context.Background(), domain.AuditEntry{RemovalID: "x", Action: "other", Key: "taken"}); err != nil {
		t.Fatal(err)
	}
	srv := auditAPI(t, takenKeys{store})
	problem := func(method, path, body string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+a.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var p map[string]any
		json.NewDecoder(res.Body).Decode(&p)
		if res.StatusCode != 500 || res.Header.Get("Content-Type") != "application/problem+json" || p["code"] != "internal" {
			t.Fatalf("%s %s without its record: %d %s %v", method, path, res.StatusCode, res.Header.Get("Content-Type"), p)
		}
	}
	problem("GET", "/v1/channels/"+a.channel+"/export", "")
	problem("PUT", "/v1/channels/"+a.channel+"/hold", `{"reason":"processo"}`)
	var held bool
	if err := db.Get(&held, `SELECT hold_reason IS NOT NULL FROM channels WHERE id = $1`, a.channel); err != nil || held {
		t.Fatalf("a hold without its record stands: %v %v", held, err)
	}
	call(t, srv, "POST", "/v1/channels/"+a.channel+"/removals", a.token, "s", "")
	problem("POST", "/v1/channels/"+a.channel+"/removals", "")
}
