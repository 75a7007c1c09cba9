package api_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// noRemovals stands where Temporal would: the edge under test must answer
// before it, and an id that reaches it must be well formed.
type noRemovals struct{}

// check panics (a 500, which fails the fuzz target) when a malformed id got through.
func (noRemovals) check(id string) {
	if ch, ok := workflows.ChannelIDOf(id); !ok || len(ch) != 36 {
		panic(fmt.Sprintf("malformed removal id %q reached Temporal", id))
	}
}
func (n noRemovals) Start(_ context.Context, _ string, in workflows.Input) (domain.Removal, error) {
	n.check(workflows.WorkflowID(in.ChannelID))
	return domain.Removal{}, domain.Errorf(domain.CodeUnavailable, "sem Temporal neste teste")
}
func (n noRemovals) Get(_ context.Context, id string) (domain.Removal, error) {
	n.check(id)
	return domain.Removal{}, domain.Errorf(domain.CodeNotFound, "remoção não encontrada")
}
func (n noRemovals) Update(_ context.Context, id, _ string, _ any) (domain.Removal, error) {
	n.check(id)
	return domain.Removal{}, domain.Errorf(domain.CodeNotFound, "remoção não encontrada")
}
func (noRemovals) Ready(context.Context) error { return nil }

var routes = []struct{ method, path string }{
	{"GET", "/v1/channels/%s"},
	{"GET", "/v1/channels/%s/conversations"},
	{"POST", "/v1/channels/%s/removals"},
	{"GET", "/v1/removals/%s"},
	{"GET", "/v1/removals/%s/audit"},
	{"POST", "/v1/removals/%s/acknowledge"},
	{"POST", "/v1/removals/%s/resend-code"},
	{"POST", "/v1/removals/%s/verify"},
	{"POST", "/v1/removals/%s/cancel"},
	{"GET", "/v1/conversations/%s"},
	{"POST", "/v1/conversations/%s/messages"},
	{"POST", "/v1/conversations/%s/continue"},
	{"POST", "/v1/session"},
	{"GET", "/v1/channels/%s/export"},
	{"PUT", "/v1/channels/%s/purge"},
	{"POST", "/v1/channels/%s/purge/cancel"},
	{"PUT", "/v1/channels/%s/hold"},
	{"DELETE", "/v1/channels/%s/hold"},
}

// pathEscapeAll percent-encodes every byte but unreserved ones, as an attacker's
// client would send %00, %FF, %C0%AF...
func pathEscapeAll(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == ':' || c == '_' || c == '.' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// FuzzRequests drives every id route with arbitrary ids and bodies against the
// real Postgres store: no input may produce a 500, and every error is a
// problem+json. The seed corpus (here and in testdata/fuzz) runs with every
// `go test ./...`; `go test ./api -fuzz FuzzRequests` explores further.
func FuzzRequests(f *testing.F) {
	_, db := testdb.New(f)
	store := postgres.New(db)
	b := seed.Builder{DB: db}
	ctx := context.Background()
	acc, _ := b.Account("", "Loja Fuzz", "dono@fuzz.test")
	admin, _ := b.User("", acc, "admin@fuzz.test", "Admin", "admin")
	contact, _ := b.Contact("", acc, "Maria", "+5511900000000")
	ch, _ := b.Channel(seed.ChannelSpec{AccountID: acc, Name: "Canal", Kind: "email"})
	conv, _ := b.Conversation("", acc, ch, contact, "closed")
	_ = store.SetPasswordHash(ctx, admin, "$2a$10$invalidinvalidinvalidinvalidinvalidinvalidinvalidinva")
	token, _ := api.IssueToken([]byte("fuzz-secret"), admin, time.Hour)

	seeds := []string{"\x00", "\xff", "\xc0\xaf", "\xed\xa0\x80", ch + "\x00", ch, conv, "remove-channel:" + ch, "remove-channel:\x00",
		"remove-channel:" + ch + "\xff", "", "..", "%", strings.Repeat("a", 5000), "remove-channel:", "00000000-0000-0000-0000-000000000000"}
	bodies := []string{"", "{}", `{"text":"ol\u0000a"}`, `{"text":"` + "\xff" + `"}`, `{"code":"12345\u0000"}`, `{"channel_id":"` + ch + `\u0000"}`,
		`{"channel_id":"\ud800"}`, `{"acknowledged":true}`, `{"email":"a\u0000@b","password":"x"}`, `{"email":"` + "\xc0\xaf" + `","password":"x"}`,
		`{"text":"` + strings.Repeat("é", 5000) + `"}`, `[`, `{"text":1}`, `null`,
		`{"purge_at":"amanhã"}`, `{"purge_at":"2099-01-01T00:00:00Z"}`, `{"reason":"ol\u0000a"}`, `{"reason":"` + strings.Repeat("r", 600) + `"}`,
		`{"acknowledged":true,"purge_after_days":31}`}
	for i := range routes {
		for j, s := range seeds {
			f.Add(uint8(i), s, bodies[(i+j)%len(bodies)])
		}
	}
	// The start limit on, low: the fuzzer reaches its refusal (429, audited) too.
	srv := httptest.NewServer(api.New(api.Config{Store: store, Removals: noRemovals{}, JWTSecret: []byte("fuzz-secret"),
		CodeSecret: []byte("c"), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		StartLimit: domain.Limit{Max: 2, Window: time.Hour}}).Handler())
	f.Cleanup(srv.Close)

	f.Fuzz(func(t *testing.T, route uint8, id, body string) {
		r := routes[int(route)%len(routes)]
		path := r.path
		if strings.Contains(path, "%s") {
			path = fmt.Sprintf(path, pathEscapeAll(id))
		}
		req, err := http.NewRequest(r.method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode >= 500 && res.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("%s %s body %q: %d %s", r.method, path, body, res.StatusCode, raw)
		}
		if res.StatusCode >= 400 && res.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s %s: %d with %s", r.method, path, res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
}
