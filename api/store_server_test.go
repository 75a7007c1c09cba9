package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/internal/devtools/contract"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// storeServer is the API over the real Postgres store, with no Temporal:
// an account with an admin and an agent (password testPassword), a channel.
type storeServer struct {
	t                    *testing.T
	url                  string
	store                *postgres.Store
	b                    seed.Builder
	account, channel     string
	admin, agent         string
	adminEmail           string
	adminToken, agentTok string
	mu                   sync.Mutex
}

const (
	testPassword = "senha-certa-123"
	testSecret   = "api-test-secret-of-thirty-two-bytes!"
)

func newStoreServer(t *testing.T, adjust ...func(*api.Config)) *storeServer {
	t.Helper()
	_, db := testdb.New(t)
	s := &storeServer{t: t, store: postgres.New(db), b: seed.Builder{DB: db}}
	must := func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	s.adminEmail = "admin@loja.test"
	s.account = must(s.b.Account("", "Loja", s.adminEmail))
	s.admin = must(s.b.User("", s.account, s.adminEmail, "Admin", "admin"))
	s.agent = must(s.b.User("", s.account, "agente@loja.test", "Agente", "agent"))
	s.channel = must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: "E-mail", Kind: "email"}))
	hash, err := api.HashPassword(testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{s.admin, s.agent} {
		if err := s.store.SetPasswordHash(context.Background(), u, hash); err != nil {
			t.Fatal(err)
		}
	}
	s.adminToken = must(api.IssueToken([]byte(testSecret), s.admin, time.Hour))
	s.agentTok = must(api.IssueToken([]byte(testSecret), s.agent, time.Hour))
	c := api.Config{Store: s.store, Removals: noRemovals{}, JWTSecret: []byte(testSecret), CodeSecret: []byte(testSecret),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	for _, f := range adjust {
		f(&c)
	}
	srv := httptest.NewServer(api.New(c).Handler())
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// answer is a response read whole.
type answer struct {
	Status int
	Header http.Header
	Raw    string
	Body   map[string]any
}

// request sends a request; body nil sends none, a string is sent as is.
func (s *storeServer) request(method, path string, body any, header ...string) answer {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Error(err)
		return answer{}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	a := answer{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	json.Unmarshal(raw, &a.Body)
	// Every answer is what api/openapi says it is.
	if c, err := contract.Shared(); err != nil {
		s.t.Fatal(err)
	} else if err := c.Check(req, res.StatusCode, res.Header, raw); err != nil {
		s.t.Error(err)
	}
	return a
}

// as sends a request with a bearer token.
func (s *storeServer) as(token, method, path string, body any, header ...string) answer {
	s.t.Helper()
	return s.request(method, path, body, append([]string{"Authorization", "Bearer " + token}, header...)...)
}

// signIn tries a password for email from the address X-Forwarded-For names.
func (s *storeServer) signIn(email, password, forwardedFor string) answer {
	s.t.Helper()
	h := []string{}
	if forwardedFor != "" {
		h = append(h, "X-Forwarded-For", forwardedFor)
	}
	return s.request("POST", "/v1/session", map[string]string{"email": email, "password": password}, h...)
}

// want checks an answer's status and, for a problem, its code.
func (s *storeServer) want(a answer, status int, code string) answer {
	s.t.Helper()
	if a.Status != status || (code != "" && a.Body["code"] != code) {
		s.t.Fatalf("want %d %s, got %d %s", status, code, a.Status, a.Raw)
	}
	return a
}
