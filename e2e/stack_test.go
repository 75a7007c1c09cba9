// Package e2e drives the real system through HTTP: embedded Temporal dev
// server, real Postgres, the worker with real activities, the Gin API over a
// real socket, a SendGrid fake and the Graph simulator.
package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
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
