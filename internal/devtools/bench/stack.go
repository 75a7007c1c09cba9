package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/migrations"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

// stack is what both phases run on: a database of the run's own, the
// embedded Temporal server, the worker's activities (Graph simulator, mail
// sink), the worker, the API on a free port, and one admin's token.
type stack struct {
	srv *temporaldev.Server
	tc  client.Client // the API's and worker's
	// bareTC is the bare shape's: plain (no codec, no instrumentation), the
	// workflow shape on Temporal with nothing of ours, so that the ratio
	// counts the codec and the instrumentation as the service's cost.
	bareTC   client.Client
	with     instrumented
	acts     *activities.Activities
	apiStore *postgres.Store
	sink     *mailSink
	db       *sqlx.DB
	base     string // the API's URL
	admin    string // the admin's user id
	token    string
	closers  []func()
}

// close stops what startStack started, last started first.
func (s *stack) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

func (s *stack) onClose(f func()) { s.closers = append(s.closers, f) }

// startStack starts the stack on free ports with a database of its own; on
// an error, what it started is stopped.
func startStack(ctx context.Context, o Options) (s *stack, err error) {
	s = &stack{}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	with := instrumentation(o.Plain)
	s.with = with
	stopTraces, err := with.trace(ctx, quiet)
	if err != nil {
		return s, err
	}
	s.onClose(stopTraces)
	dsn, drop, err := ownDatabase(ctx, o.DatabaseURL)
	if err != nil {
		return s, err
	}
	s.onClose(drop)
	db, err := with.open(ctx, dsn)
	if err != nil {
		return s, err
	}
	s.db = db
	s.onClose(func() { db.Close() })
	if err := migrations.Up(ctx, db.DB, nil, nil); err != nil {
		return s, err
	}
	store := postgres.New(db)

	dir, err := os.MkdirTemp("", "cr-bench-")
	if err != nil {
		return s, err
	}
	s.onClose(func() { os.RemoveAll(dir) })
	fmt.Fprintf(o.Out, "bench: starting Temporal (embedded dev server, SQLite) ...\n")
	srv, err := temporaldev.Start(ctx, temporaldev.Options{DBFile: filepath.Join(dir, "temporal.db"),
		SearchAttributes: workflows.SearchAttributeNames, Progress: o.Out, Journal: o.Journal})
	if err != nil {
		return s, err
	}
	s.srv = srv
	s.onClose(srv.Stop)
	if s.tc, s.bareTC, err = with.dial(ctx, srv.Address, quiet); err != nil {
		return s, err
	}
	tc := s.tc
	s.onClose(tc.Close)
	if s.bareTC != tc {
		s.onClose(s.bareTC.Close)
	}

	graph := httptest.NewServer(graphsim.New())
	s.onClose(graph.Close)
	s.sink = newMailSink()
	s.acts = benchActivities(store, s.sink, graph.URL, quiet)
	w, err := worker.Start(ctx, tc, s.acts, o.Tuning)
	if err != nil {
		return s, err
	}
	s.onClose(w.Stop)

	changes, err := postgres.Listen(dsn, quiet)
	if err != nil {
		return s, err
	}
	s.onClose(func() { changes.Close() })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return s, err
	}
	s.onClose(func() { ln.Close() })
	// The API has a connection pool of its own, as in production where it is
	// a process of its own: its short reads do not wait behind the worker's
	// transactions for a connection.
	apiDB, err := with.open(ctx, dsn)
	if err != nil {
		return s, err
	}
	s.onClose(func() { apiDB.Close() })
	s.apiStore = postgres.New(apiDB)
	for _, pool := range []*sqlx.DB{db, apiDB} { // as the api and worker processes do at start
		if err := postgres.Warm(ctx, pool); err != nil {
			return s, err
		}
	}
	apiParts := app.Parts{Config: benchConfig, Store: s.apiStore, Temporal: tc, Changes: changes, Metrics: with.metrics, Log: quiet}
	httpSrv := &http.Server{Handler: apiParts.API(func(c *api.Config) { c.ResendInterval = resendInterval }, with.api).Handler()}
	go httpSrv.Serve(ln)
	s.onClose(func() { httpSrv.Close() })
	s.base = "http://" + ln.Addr().String()
	return s, nil
}

// seedChannels makes the account, its admin (and their token) and n
// WhatsApp channels, each on a WABA of its own.
func (s *stack) seedChannels(n int) ([]channel, error) {
	b := seed.Builder{DB: s.db}
	account, err := b.Account("", "Loja Bench", "dono@bench.test")
	if err != nil {
		return nil, err
	}
	admin, err := b.User("", account, "admin@bench.test", "Admin Bench", "admin")
	if err != nil {
		return nil, err
	}
	s.admin = admin
	if s.token, err = api.IssueToken([]byte(benchConfig.AuthJWTSecret), admin, 2*time.Hour); err != nil {
		return nil, err
	}
	channels := make([]channel, n)
	for i := range channels {
		name := fmt.Sprintf("Bench WhatsApp %04d", i)
		id, err := b.Channel(seed.ChannelSpec{AccountID: account, Name: name, Kind: "whatsapp_cloud",
			WABAID: fmt.Sprintf("BENCH-WABA-%04d", i), Token: "bench-token"})
		if err != nil {
			return nil, err
		}
		channels[i] = channel{id: id, name: name}
	}
	return channels, nil
}

type channel struct{ id, name string }

// benchConfig is the bench stack's configuration.
var benchConfig = config.Config{AuthJWTSecret: "bench-jwt-secret", CodeSecret: "bench-code-secret", MetaGraphVersion: "v23.0"}

// benchActivities are the worker's activities as the bench runs them: on
// store, mailing to sink, unlinking at the Graph simulator at graphURL, with
// the bench's resend throttle.
func benchActivities(store *postgres.Store, sink *mailSink, graphURL string, log *slog.Logger) *activities.Activities {
	acts := app.Parts{Config: benchConfig, Store: store, Mail: sink, GraphURL: graphURL, Log: log}.Activities()
	acts.Policy.ResendInterval = resendInterval
	return acts
}

// ownDatabase creates a database next to DATABASE_URL's for this run only.
func ownDatabase(ctx context.Context, base string) (string, func(), error) {
	dsn, err := postgres.WithDatabaseName(base, fmt.Sprintf("channel_removal_bench_%d", os.Getpid()))
	if err != nil {
		return "", nil, err
	}
	if err := postgres.EnsureDatabase(ctx, dsn); err != nil {
		return "", nil, err
	}
	if os.Getenv("BENCH_KEEP_DB") != "" { // to look at pg_stat_* after a run
		fmt.Fprintf(os.Stderr, "bench: keeping database %s\n", dsn)
		return dsn, func() {}, nil
	}
	return dsn, func() { postgres.DropDatabase(context.Background(), dsn) }, nil
}
