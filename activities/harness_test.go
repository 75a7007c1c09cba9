package activities_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/internal/devtools/fakesendgrid"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/mail"
	"github.com/crm/channel-removal/metagraph"
	"github.com/crm/channel-removal/postgres"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     testing.TB
	dsn   string
	ctx   context.Context
	store *postgres.Store
	b     seed.Builder
	acts  *activities.Activities
	sg    *fakesendgrid.Server
	graph *graphsim.Sim
	clock *clock

	account, admin, agent, contact string
}

var secret = []byte("test-code-secret")

func newEnv(t testing.TB, sendgridStatuses ...int) *env {
	t.Helper()
	dsn, db := testdb.New(t)
	e := &env{t: t, dsn: dsn, ctx: context.Background(), store: postgres.New(db), b: seed.Builder{DB: db},
		sg: fakesendgrid.New(t, sendgridStatuses...), graph: graphsim.New(),
		clock: &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}}
	e.graph.SetPartnerToken(partnerToken)
	gs := httptest.NewServer(e.graph)
	t.Cleanup(gs.Close)
	e.acts = &activities.Activities{
		Store:      e.store,
		Mail:       mail.NewSendGrid("SG.test-key", e.sg.URL(), "no-reply@localhost", 300*time.Millisecond),
		Graph:      metagraph.New(gs.URL, "v23.0", 2*time.Second),
		CodeSecret: secret,
		Policy:     activities.DefaultPolicy,
		Now:        e.clock.Now,
		Log:        slog.New(slog.DiscardHandler),
	}
	e.acts.PartnerToken = partnerToken // our business's, for the credit line
	e.account = e.must(e.b.Account("", "Loja Teste", "dono@loja.test"))
	e.admin = e.must(e.b.User("", e.account, "admin@loja.test", "Admin", "admin"))
	e.agent = e.must(e.b.User("", e.account, "agent@loja.test", "Agente", "agent"))
	e.contact = e.must(e.b.Contact("", e.account, "Cliente", "+5511999999999"))
	return e
}

func (e *env) must(id string, err error) string {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) channel(kind, waba, page string) string {
	token, number := "tok-"+kind+waba+page, map[bool]string{true: "PN-" + waba}[waba != ""]
	e.graph.Expect(token, waba, page, number) // Meta takes the channel's own token only
	return e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: "Canal " + kind, Kind: kind,
		WABAID: waba, PhoneNumberID: number, Page: page, Token: token}))
}

func (e *env) step(channelID string) activities.Step {
	return activities.Step{RemovalID: "remove-channel:" + channelID, RunID: "run-1", AccountID: e.account, ChannelID: channelID,
		Actor: activities.Step{}.Actor}
}

// appErr asserts err is an application error of the given type and retryability.
func appErr(t *testing.T, err error, typ string, retryable bool) *temporal.ApplicationError {
	t.Helper()
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) {
		t.Fatalf("want application error %s, got %T %v", typ, err, err)
	}
	if ae.Type() != typ {
		t.Fatalf("want type %s, got %s (%v)", typ, ae.Type(), err)
	}
	if ae.NonRetryable() == retryable {
		t.Fatalf("%s: retryable = %v, want %v", typ, !ae.NonRetryable(), retryable)
	}
	return ae
}

func asApp(err error) *temporal.ApplicationError {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae
	}
	return nil
}

// num reads a number from error details, which are ints when the error did
// not cross a data converter and float64 when it did.
func num(v any) float64 {
	switch x := v.(type) {
	case int:
		return float64(x)
	case float64:
		return x
	}
	return -1
}

// length reads a slice's length from error details, typed or decoded.
func length(v any) int {
	return reflect.ValueOf(v).Len()
}
