// Package app assembles the processes from config: database, Temporal client,
// activities, worker and API. `dev`, `api`, `worker` and the end-to-end tests
// all build the system here, so they cannot drift apart.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/contrib/instrumentation/github.com/gin-gonic/gin/otelgin"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/mail"
	"github.com/crm/channel-removal/metagraph"
	"github.com/crm/channel-removal/metrics"
	"github.com/crm/channel-removal/migrations"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/temporalcodec"
	"github.com/crm/channel-removal/webhook"
	"github.com/crm/channel-removal/worker"
)

// Logger builds the process logger.
func Logger(cfg config.Config, w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: cfg.Level()}))
}

// ErrPostgresDown is returned when the database cannot be reached at all.
var ErrPostgresDown = errors.New("postgres down")

// OpenDatabase connects the long-running processes (api, worker, dev) and
// opens their pool's connections (postgres.Warm); with dev it first creates
// the database if missing and then migrates (production runs `migrate up`
// once, before the API starts).
func OpenDatabase(ctx context.Context, cfg config.Config, dev bool, log *slog.Logger) (*sqlx.DB, error) {
	create, migrate := dev, dev
	if create {
		if err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return nil, postgresError(err)
		}
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, postgresError(err)
	}
	postgres.Resize(db, cfg.DatabasePoolSize)
	if migrate {
		keys, _ := cfg.Keyring()
		if err := migrations.Up(ctx, db.DB, log, keys); err != nil {
			db.Close()
			return nil, err
		}
	}
	if err := postgres.Warm(ctx, db); err != nil {
		log.Warn("could not open every pooled database connection at start; they open on demand", "error", err)
	}
	return db, nil
}

func postgresError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) || strings.Contains(err.Error(), "connection refused") {
		return fmt.Errorf("%w: %v", ErrPostgresDown, err)
	}
	return err
}

// DialTemporal connects a plaintext client to the embedded server (dev's
// bench, tests), uncompressed (see onLoopback), its payloads encrypted with
// dev's key (temporalcodec.DevKey), as `dev`'s are.
func DialTemporal(ctx context.Context, address, namespace string, log *slog.Logger) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return client.DialContext(ctx, onLoopback(clientOptions(address, namespace, DevCodec, nil, log)))
}

// DevCodec encrypts with dev's fixed key: dev, its bench and the tests.
var DevCodec = temporalcodec.MustParse(temporalcodec.DevKey)

// onLoopback turns off the SDK's default gzip of gRPC messages, for the
// embedded server in this machine: there, compressing every request and
// answer only spends CPU that the server and the worker share (the bench's
// profile had gzip at 7 % of this process). A remote server keeps gzip.
func onLoopback(o client.Options) client.Options {
	o.ConnectionOptions.GrpcCompression = &client.GrpcCompressionNone{}
	return o
}

// Mailer picks SendGrid when a key is set, else the console (dev only).
func Mailer(cfg config.Config, console io.Writer) mail.Sender {
	if cfg.SendGridAPIKey != "" {
		return mail.NewSendGrid(string(cfg.SendGridAPIKey), cfg.SendGridBaseURL, cfg.MailFrom, 10*time.Second)
	}
	return mail.NewConsole(console)
}

// Tuning is the worker's configuration from the environment: pollers, its
// stop, and its activity slots sized by the database pool.
func Tuning(cfg config.Config) worker.Tuning {
	return worker.Tuning{WorkflowPollers: cfg.WorkerWorkflowPollers, ActivityPollers: cfg.WorkerActivityPollers,
		Autoscale: cfg.WorkerPollerAutoscale, NoSticky: cfg.WorkerNoSticky, EagerActivities: cfg.WorkerEagerActivities,
		Queue: cfg.TemporalTaskQueue, Version: worker.Version{BuildID: cfg.WorkerBuildID, Unversioned: !cfg.WorkerVersioning},
		Namespace: cfg.TemporalNamespace, StopTimeout: cfg.WorkerStopTimeout, PoolSize: cfg.DatabasePoolSize}
}

// Parts are what a process's API and worker are built from: every process
// (api, worker, dev), the benchmark and the end-to-end tests assemble them
// here, so that none drifts from production.
type Parts struct {
	Config   config.Config
	Store    *postgres.Store
	Temporal client.Client
	// Changes announces removals' status changes (nil: waiting reads poll).
	Changes *postgres.Changes
	// Metrics, when set, counts requests (ServeMetrics serves it).
	Metrics *metrics.Registry
	// Mail sends the codes (nil: Mailer(Config, the console)).
	Mail mail.Sender
	// GraphURL is the Meta Graph API ("": Config.MetaGraphURL()).
	GraphURL string
	Log      *slog.Logger
	// Dev serves the session cookie without Secure: dev is plain http on 127.0.0.1.
	Dev bool
}

// Activities builds the worker's activities.
func (p Parts) Activities() *activities.Activities {
	keys, _ := p.Config.Keyring() // the worker refused to start without a valid CREDENTIALS_KEY (Require)
	m, graph := p.Mail, p.GraphURL
	if m == nil {
		m = Mailer(p.Config, os.Stdout)
	}
	if graph == "" {
		graph = p.Config.MetaGraphURL()
	}
	var purges activities.PurgeStarter
	var events domain.EventPublisher
	if p.Temporal != nil {
		purges = PurgeStarter{Client: p.Temporal}
		events = NewEvents(p.Temporal, p.Store, p.Config)
	}
	hooks := p.Config.Webhooks.WithDefaults()
	return &activities.Activities{
		Events:              events,
		Webhooks:            p.Store,
		WebhookHTTP:         webhook.Client(hooks.AllowPrivate, hooks.Timeout),
		WebhookDisableAfter: hooks.DisableAfter,
		PurgeStore:          p.Store,
		Purges:              purges,
		Credentials:         keys,
		Store:               p.Store,
		Mail:                m,
		Graph:               metagraph.New(graph, p.Config.MetaGraphVersion, 15*time.Second),
		PartnerToken:        string(p.Config.MetaPartnerToken),
		CodeSecret:          []byte(p.Config.CodeSecret),
		Policy:              p.policy(),
		OpsMail:             p.Config.MailOps,
		AppURL:              p.Config.WebAppURL(),
		Log:                 p.Log,
	}
}

// policy is the code's policy with the configured limits.
func (p Parts) policy() activities.Policy {
	pol := activities.DefaultPolicy
	pol.Limits = p.Config.CodeLimits()
	return pol
}

// API builds the HTTP API and the web app; adjust, if any, changes its
// configuration first (a test's shorter outage retry, the bench's resend
// throttle).
func (p Parts) API(adjust ...func(*api.Config)) *api.Server {
	c := api.Config{
		Store:              p.Store,
		Removals:           api.TemporalRemovals{Client: p.Temporal, Runs: p.Store, Changes: watcher(p.Changes), TaskQueue: p.Config.TemporalTaskQueue},
		Deliveries:         api.TemporalDeliveries{Client: p.Temporal, TaskQueue: p.Config.TemporalTaskQueue},
		Purges:             api.TemporalPurges{Client: p.Temporal},
		MetaAppSecret:      string(p.Config.MetaAppSecret),
		WebhookVerifyToken: string(p.Config.MetaWebhookVerifyToken),
		Changes:            watcher(p.Changes),
		JWTSecret:          []byte(p.Config.AuthJWTSecret),
		CodeSecret:         []byte(p.Config.CodeSecret),
		Log:                p.Log,
		InsecureCookies:    p.Dev,
		TrustedProxies:     p.Config.TrustedProxies,
		OpsAlertAfter:      p.Config.OpsAlertAfter,
		RetentionDay:       p.Config.RetentionDay,
		StartLimit:         p.Config.StartLimit(),
		// The workflow's throttle matches the activity's, which is the authority.
		ResendInterval: activities.DefaultPolicy.ResendInterval,
	}
	keys, _ := p.Config.Keyring() // the api refused to start without a valid CREDENTIALS_KEY (Require)
	c.Integrations = api.Integrations{Store: p.Store, Keys: keys, AllowPrivate: p.Config.Webhooks.AllowPrivate,
		RotationGrace: p.Config.Webhooks.WithDefaults().RotationGrace}
	if p.Temporal != nil { // every admin is told of each export
		c.Notices = ClientNotices{Client: p.Temporal, TaskQueue: p.Config.TemporalTaskQueue}
	}
	// Each request's span, the root of what it sets off (tracing/).
	c.Middleware = []gin.HandlerFunc{otelgin.Middleware("channel-removal-api")}
	if p.Metrics != nil { // counted here, served on METRICS_ADDR (ServeMetrics)
		c.Middleware = append(c.Middleware, p.Metrics.Middleware())
	}
	for _, f := range adjust {
		f(&c)
	}
	return api.New(c)
}

// watcher is changes as the API's RunWatcher: nil stays a nil interface.
func watcher(changes *postgres.Changes) api.RunWatcher {
	if changes == nil {
		return nil
	}
	return changes
}

// Serve runs an HTTP server until ctx ends, then shuts it down gracefully.
func Serve(ctx context.Context, ln net.Listener, h http.Handler) error {
	stopping := make(chan struct{})
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		BaseContext: func(net.Listener) context.Context { return api.EndWaitsOn(context.Background(), stopping) }}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	close(stopping) // waiting reads answer now; other requests finish as they would
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
