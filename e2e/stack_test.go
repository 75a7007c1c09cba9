// Package e2e drives the real system through HTTP: embedded Temporal dev
// server, real Postgres, the worker with real activities, the Gin API over a
// real socket, a SendGrid fake and the Graph simulator.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/internal/devtools/fakesendgrid"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

var (
	temporalAddr   string
	temporalPort   int
	temporalDBFile string
	temporalSrv    *temporaldev.Server
)

const (
	jwtSecret  = "e2e-jwt-secret"
	codeSecret = "e2e-code-secret"
	// metaAppSecret signs the tests' webhook deliveries.
	metaAppSecret = "e2e-meta-app-secret"
	// credentialsKey seals the test channels' tokens (two keys: rotation).
	credentialsKey = "e2e2:ZTJlLWNyZWRlbnRpYWxzLWtleS1udW1iZXItdHdvISE=,e2e1:ZTJlLWNyZWRlbnRpYWxzLWtleS1udW1iZXItb25lISE="
)

var testKeys = func() *credentials.Keyring {
	k, err := credentials.Parse(credentialsKey)
	if err != nil {
		panic(err)
	}
	return k
}()

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		runHelperWorker() // a worker in its own process, for the kill -9 test
		return
	}
	dir, _ := os.MkdirTemp("", "cr-e2e-temporal-")
	temporalDBFile = filepath.Join(dir, "temporal.db")
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	temporalPort = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	if err := startTemporal(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	temporalSrv.Stop()
	os.RemoveAll(dir)
	os.Exit(code)
}

// ownServer is a Temporal dev server of one test's own, on its own port and
// SQLite file, for a test that stops or kills its server.
type ownServer struct {
	port   int
	dbFile string
	srv    *temporaldev.Server
}

// ownTemporal gives the stack a Temporal server of its own (call it before
// start), stopped when the test ends.
func (s *stack) ownTemporal() {
	s.t.Helper()
	s.own = newOwnServer(s.t)
	s.addr = s.own.srv.Address
}

// newOwnServer starts a Temporal dev server of the test's own: for a test
// that restarts it, or whose worker is another build than this test
// binary's (its deployment's first).
func newOwnServer(t *testing.T) *ownServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &ownServer{port: ln.Addr().(*net.TCPAddr).Port, dbFile: filepath.Join(t.TempDir(), "temporal.db")}
	ln.Close()
	o.start(t)
	t.Cleanup(func() {
		if o.srv != nil {
			o.srv.Stop()
		}
	})
	return o
}

func (o *ownServer) start(t *testing.T) {
	t.Helper()
	srv, err := temporaldev.Start(context.Background(), temporaldev.Options{Port: o.port, DBFile: o.dbFile,
		SearchAttributes: workflows.SearchAttributeNames, Progress: io.Discard,
		// One partition per task queue: a change of the deployment's current
		// build reaches it at once, where four partitions learn it one by
		// one and a run started meanwhile may land on the old build.
		DynamicConfig: []string{"matching.numTaskqueueReadPartitions=1", "matching.numTaskqueueWritePartitions=1"}})
	if err != nil {
		t.Fatal(err)
	}
	o.srv = srv
}

// restartTemporal starts the stack's own server again, on the same file.
func (s *stack) restartTemporal() {
	s.t.Helper()
	s.own.start(s.t)
	s.addr = s.own.srv.Address
}

func startTemporal() error {
	srv, err := temporaldev.Start(context.Background(), temporaldev.Options{Port: temporalPort, DBFile: temporalDBFile,
		SearchAttributes: workflows.SearchAttributeNames, Progress: os.Stderr})
	if err != nil {
		return err
	}
	temporalSrv, temporalAddr = srv, srv.Address
	return nil
}

// stack is one test's system: its own database and account, sharing the
// package's Temporal server (removal ids differ because channel ids do).
type stack struct {
	t      *testing.T
	dsn    string
	store  *postgres.Store
	b      seed.Builder
	sg     *fakesendgrid.Server
	graph  *graphsim.Sim
	graphS *httptest.Server
	tc     client.Client
	// changes wakes the API's starts when a run's read-model row changes.
	changes *postgres.Changes
	w       sdkworker.Worker
	http    *httptest.Server
	policy  activities.Policy
	// apiConfig, when set, adjusts the API's configuration before start.
	apiConfig func(*api.Config)
	// workerStore, when set, is the worker's database (e.g. through a proxy).
	workerStore *postgres.Store
	// opsMail is the worker's MAIL_OPS (empty: no ops alert).
	opsMail string
	// retentionDay is RETENTION_DAY (zero: a day).
	retentionDay time.Duration
	// helperPID is the last helper worker process started (helperWorker).
	helperPID int
	// queue is the test's own task queue: no other test's worker takes its
	// runs, and its runs still open when it ends are terminated.
	queue string
	// addr is the Temporal the stack uses: the package's shared server, or
	// one of the test's own (ownTemporal) for a test that restarts it.
	addr string
	own  *ownServer
	// version, when its BuildID is set, is the worker's build (else the
	// test binary's, made current).
	version worker.Version

	account, admin, agent, contact string
	adminToken, agentToken         string
}

func newStack(t *testing.T) *stack {
	t.Helper()
	dsn, _ := testdb.New(t)
	// The pool as production opens it (its connection parameters included).
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	s := &stack{t: t, dsn: dsn, store: postgres.New(db), b: seed.Builder{DB: db, Seal: testKeys.Seal}, sg: fakesendgrid.New(t), graph: graphsim.New(),
		policy: activities.DefaultPolicy, queue: "e2e-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + strconv.FormatInt(time.Now().UnixNano(), 36), addr: temporalAddr}
	s.graph.SetPartnerToken(e2ePartnerToken)
	s.graphS = httptest.NewServer(s.graph)
	t.Cleanup(s.graphS.Close)
	s.account = s.must(s.b.Account("", "Loja E2E", "dono@loja.test"))
	s.admin = s.must(s.b.User("", s.account, "admin-"+s.account[:8]+"@loja.test", "Admin", "admin"))
	s.agent = s.must(s.b.User("", s.account, fmt.Sprintf("agent-%s@loja.test", s.account[:8]), "Agente", "agent"))
	s.contact = s.must(s.b.Contact("", s.account, "Maria", "+5511988887777"))
	s.adminToken, s.agentToken = s.token(s.admin, time.Hour), s.token(s.agent, time.Hour)
	t.Cleanup(s.stop)
	t.Cleanup(s.endRuns) // before stop: cleanups run last first
	return s
}

// e2ePartnerToken is our business's system-user token (META_PARTNER_TOKEN),
// the only one the simulator's allocation configs answer.
const e2ePartnerToken = "e2e-partner-system-user-token"

func (s *stack) config() config.Config {
	return config.Config{DatabaseURL: s.dsn, AuthJWTSecret: jwtSecret, CodeSecret: codeSecret, SendGridAPIKey: "SG.e2e",
		CredentialsKey:  credentialsKey,
		SendGridBaseURL: s.sg.URL(), MailFrom: "no-reply@localhost", MetaGraphBaseURL: s.graphS.URL, MetaGraphVersion: "v23.0",
		TemporalAddress: s.addr, TemporalNamespace: "default", TemporalTaskQueue: s.queue,
		MetaAppSecret: metaAppSecret, MetaWebhookVerifyToken: "e2e-verify-token", AppURL: "https://crm.loja.test",
		RetentionDay: s.retentionDay, MetaPartner: config.MetaPartner{MetaPartnerToken: e2ePartnerToken},
		// The receivers are httptest servers on loopback; a second between
		// attempts, doubling to two, keeps a receiver's outage short.
		Webhooks: config.Webhooks{AllowPrivate: true, RetryFirst: time.Second, RetryMax: 2 * time.Second, RetryFor: time.Hour}}
}

// start brings up the Temporal client, the worker and the API.
func (s *stack) start(withWorker bool) {
	s.t.Helper()
	tc, err := app.DialTemporal(context.Background(), s.addr, "default", quietLog())
	if err != nil {
		s.t.Fatal(err)
	}
	s.tc = tc
	if withWorker {
		s.startWorker()
	}
	changes, err := postgres.Listen(s.dsn, quietLog())
	if err != nil {
		s.t.Fatal(err)
	}
	s.changes = changes
	parts := app.Parts{Config: s.config(), Store: s.store, Temporal: tc, Changes: changes, Log: quietLog(), Dev: true}
	s.http = httptest.NewServer(parts.API(func(c *api.Config) {
		c.ResendInterval = s.policy.ResendInterval
		if s.apiConfig != nil {
			s.apiConfig(c)
		}
	}).Handler())
}

func (s *stack) startWorker() {
	cfg := s.config()
	store := s.store
	if s.workerStore != nil {
		store = s.workerStore
	}
	acts := app.Parts{Config: cfg, Store: store, Mail: app.Mailer(cfg, io.Discard), Log: quietLog()}.Activities()
	acts.Policy = s.policy
	acts.OpsMail = s.opsMail
	t := worker.DefaultTuning
	t.Queue = s.queue
	t.Version.Promote = worker.PromoteAlways // this test binary is the build under test
	c := s.tc
	if s.version.BuildID != "" {
		t.Version = s.version
		// A client of its own, as a worker process has: the API's eager
		// start hands a new run to a worker on the API's own client,
		// whatever the deployment's routing says.
		wc, err := app.DialTemporal(context.Background(), s.addr, "default", quietLog())
		if err != nil {
			s.t.Fatal(err)
		}
		s.t.Cleanup(wc.Close)
		c = wc
	}
	acts.Purges = app.PurgeStarter{Client: c}
	acts.Events = app.NewEvents(c, store, cfg)
	w, err := worker.Start(context.Background(), c, acts, t)
	if err != nil {
		s.t.Fatal(err)
	}
	s.w = w
}

// endRuns terminates the test's runs still open on its task queue, so none
// lingers on the shared server.
func (s *stack) endRuns() {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tc := s.tc
	if tc == nil {
		c, err := app.DialTemporal(ctx, s.addr, "default", quietLog())
		if err != nil {
			return
		}
		defer c.Close()
		tc = c
	}
	res, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Query: fmt.Sprintf("TaskQueue = '%s' AND ExecutionStatus = 'Running'", s.queue)})
	if err != nil {
		return
	}
	for _, e := range res.Executions {
		tc.TerminateWorkflow(ctx, e.GetExecution().GetWorkflowId(), e.GetExecution().GetRunId(), "the test ended")
	}
}

func (s *stack) stop() {
	if s.http != nil {
		s.http.Close()
		s.http = nil
	}
	if s.w != nil {
		s.w.Stop()
		s.w = nil
	}
	if s.tc != nil {
		s.tc.Close()
		s.tc = nil
	}
	if s.changes != nil {
		s.changes.Close()
		s.changes = nil
	}
}

func (s *stack) must(id string, err error) string {
	s.t.Helper()
	if err != nil {
		s.t.Fatal(err)
	}
	return id
}

func (s *stack) token(userID string, ttl time.Duration) string {
	tok, err := api.IssueToken([]byte(jwtSecret), userID, ttl)
	if err != nil {
		s.t.Fatal(err)
	}
	return tok
}

func (s *stack) channel(kind, waba, page string) string {
	token := "tok-" + kind + waba + page
	s.graph.Expect(token, waba, page) // Meta takes the channel's own token only
	return s.must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: "Canal " + kind + waba + page, Kind: kind,
		WABAID: waba, Page: page, Token: token}))
}

// resp is a decoded HTTP answer.
type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r resp) str(k string) string { v, _ := r.Body[k].(string); return v }

func (s *stack) do(method, path, token string, body any) resp {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.http.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	s.conforms(req, res, raw)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	json.Unmarshal(raw, &out.Body)
	return out
}

// want asserts status and, for errors, the problem+json code.
func (s *stack) want(r resp, status int, code string) resp {
	s.t.Helper()
	if r.Status != status {
		s.t.Fatalf("want %d %s, got %d: %s", status, code, r.Status, r.Raw)
	}
	if code != "" {
		if r.str("code") != code || r.Header.Get("Content-Type") != "application/problem+json" || r.str("title") == "" || r.str("detail") == "" {
			s.t.Fatalf("want problem+json code %s, got %s %s", code, r.Header.Get("Content-Type"), r.Raw)
		}
	}
	return r
}

// until polls GET /v1/removals/{id} until the status is one of want.
func (s *stack) until(id string, want ...string) resp {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var r resp
	for time.Now().Before(deadline) {
		r = s.do("GET", "/v1/removals/"+id, s.adminToken, nil)
		for _, w := range want {
			if r.str("status") == w {
				return r
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("removal %s never reached %v: %s", id, want, r.Raw)
	return r
}

// unreachableTemporal is a client of a Temporal that never answers, closed
// when the test ends.
func unreachableTemporal(t *testing.T) client.Client {
	t.Helper()
	dead, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Logger: sdklog.NewStructuredLogger(quietLog()),
		ConnectionOptions: client.ConnectionOptions{GetSystemInfoTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dead.Close)
	return dead
}

// closed waits until the removal's run has closed, and the notices it
// started (the admins' notice comes after the status the API shows, as a
// workflow of its own) have closed too.
func (s *stack) closed(id string) {
	s.t.Helper()
	s.eventually(func() bool {
		d, err := s.tc.DescribeWorkflowExecution(context.Background(), id, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetCloseTime() != nil
	})
	for _, ev := range s.history(id).Events {
		if started := ev.GetChildWorkflowExecutionStartedEventAttributes(); started != nil {
			child := started.GetWorkflowExecution()
			s.eventually(func() bool {
				d, err := s.tc.DescribeWorkflowExecution(context.Background(), child.GetWorkflowId(), child.GetRunId())
				return err == nil && d.GetWorkflowExecutionInfo().GetCloseTime() != nil
			})
		}
	}
}

// adminEmail is the stack's admin user's e-mail (the account administrator,
// who receives codes, is dono@loja.test).
func (s *stack) adminEmail() string { return fmt.Sprintf("admin-%s@loja.test", s.account[:8]) }

func (s *stack) lastCode() string {
	s.t.Helper()
	mails := s.codeMails()
	if len(mails) == 0 {
		s.t.Fatal("no code mailed")
	}
	return mails[len(mails)-1].Code(s.t)
}

// codeMails are the verification e-mails sent, in order; notices apart.
func (s *stack) codeMails() []fakesendgrid.Mail {
	var codes []fakesendgrid.Mail
	for _, m := range s.sg.Sent() {
		if _, ok := m.CodeIn(); ok {
			codes = append(codes, m)
		}
	}
	return codes
}

// notices are the e-mails that tell the account's admins a channel was
// removed, by recipient.
func (s *stack) notices() map[string]int {
	n := map[string]int{}
	for _, m := range s.sg.Sent() {
		if strings.HasPrefix(m.Subject, "Aviso de segurança:") {
			n[m.To]++
		}
	}
	return n
}

// acknowledged starts a removal of the channel and acknowledges its alert:
// the code is mailed. It returns the removal id.
func (s *stack) acknowledged(ch string) string {
	s.t.Helper()
	id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
	return id
}
