package activities_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/internal/testdb"
	"github.com/crm/channel-removal/mail"
	"github.com/crm/channel-removal/metagraph"
	"github.com/crm/channel-removal/metagraph/graphsim"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/seed"
)

// fakeSendGrid stands in for the SendGrid v3 API.
type fakeSendGrid struct {
	mu       sync.Mutex
	statuses []int // answered in order; the last one repeats; 0 = hang
	mails    []sentMail
	srv      *httptest.Server
}

type sentMail struct {
	To, Subject, Text, Auth string
}

func newFakeSendGrid(t testing.TB, statuses ...int) *fakeSendGrid {
	f := &fakeSendGrid{statuses: statuses}
	if len(f.statuses) == 0 {
		f.statuses = []int{http.StatusAccepted}
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSendGrid) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	st := f.statuses[0]
	if len(f.statuses) > 1 {
		f.statuses = f.statuses[1:]
	}
	f.mu.Unlock()
	if st == 0 {
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	if r.URL.Path != "/v3/mail/send" || r.Method != http.MethodPost {
		http.Error(w, "wrong endpoint", http.StatusNotFound)
		return
	}
	if st >= 200 && st < 300 {
		var m struct {
			Personalizations []struct {
				To []struct{ Email string } `json:"to"`
			} `json:"personalizations"`
			Subject string `json:"subject"`
			Content []struct{ Type, Value string }
		}
		json.Unmarshal(body, &m)
		sm := sentMail{Subject: m.Subject, Auth: r.Header.Get("Authorization")}
		if len(m.Personalizations) > 0 && len(m.Personalizations[0].To) > 0 {
			sm.To = m.Personalizations[0].To[0].Email
		}
		for _, c := range m.Content {
			if c.Type == "text/plain" {
				sm.Text = c.Value
			}
		}
		f.mu.Lock()
		f.mails = append(f.mails, sm)
		f.mu.Unlock()
		w.WriteHeader(st)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(st)
	w.Write([]byte(`{"errors":[{"message":"simulated failure","field":null}]}`))
}

func (f *fakeSendGrid) sent() []sentMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]sentMail(nil), f.mails...)
}

var codeRe = regexp.MustCompile(`Código de verificação: (\d{6,})`)

func (m sentMail) code(t testing.TB) string {
	t.Helper()
	g := codeRe.FindStringSubmatch(m.Text)
	if g == nil {
		t.Fatalf("no code in mail %q", m.Text)
	}
	return g[1]
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     testing.TB
	ctx   context.Context
	store *postgres.Store
	b     seed.Builder
	acts  *activities.Activities
	sg    *fakeSendGrid
	graph *graphsim.Sim
	clock *clock

	account, admin, agent, contact string
}

var secret = []byte("test-code-secret")

func newEnv(t testing.TB, sendgridStatuses ...int) *env {
	t.Helper()
	_, db := testdb.New(t)
	e := &env{t: t, ctx: context.Background(), store: postgres.New(db), b: seed.Builder{DB: db},
		sg: newFakeSendGrid(t, sendgridStatuses...), graph: graphsim.New(),
		clock: &clock{t: time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)}}
	gs := httptest.NewServer(e.graph)
	t.Cleanup(gs.Close)
	e.acts = &activities.Activities{
		Store:      e.store,
		Mail:       mail.NewSendGrid("SG.test-key", e.sg.srv.URL, "no-reply@localhost", 300*time.Millisecond),
		Graph:      metagraph.New(gs.URL, "v23.0", 2*time.Second),
		CodeSecret: secret,
		Policy:     activities.DefaultPolicy,
		Now:        e.clock.Now,
		Log:        slog.New(slog.DiscardHandler),
	}
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
	return e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: "Canal " + kind, Kind: kind,
		WABAID: waba, PhoneNumberID: map[bool]string{true: "PN-" + waba}[waba != ""], Page: page, Token: "tok-" + kind + waba + page}))
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
