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
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/mail"
	"github.com/crm/channel-removal/metagraph"
	"github.com/crm/channel-removal/metrics"
	"github.com/crm/channel-removal/migrations"
	"github.com/crm/channel-removal/postgres"
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
// bench, tests), uncompressed (see onLoopback).
func DialTemporal(ctx context.Context, address, namespace string, log *slog.Logger) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return client.DialContext(ctx, onLoopback(clientOptions(address, namespace, nil, log)))
}

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

// Activities builds the activities' dependencies.
func Activities(cfg config.Config, store *postgres.Store, m mail.Sender, graphURL string, log *slog.Logger) *activities.Activities {
	keys, _ := cfg.Keyring() // the worker refused to start without a valid CREDENTIALS_KEY (Require)
	return &activities.Activities{
		Credentials: keys,
		Store:       store,
		Mail:        m,
		Graph:       metagraph.New(graphURL, cfg.MetaGraphVersion, 15*time.Second),
		CodeSecret:  []byte(cfg.CodeSecret),
		Policy:      activities.DefaultPolicy,
		Log:         log,
	}
}

// Tuning is the worker's poller configuration from the environment.
func Tuning(cfg config.Config) worker.Tuning {
	return worker.Tuning{WorkflowPollers: cfg.WorkerWorkflowPollers, ActivityPollers: cfg.WorkerActivityPollers,
		Autoscale: cfg.WorkerPollerAutoscale, NoSticky: cfg.WorkerNoSticky, EagerActivities: cfg.WorkerEagerActivities}
}

// API builds the HTTP API and the web app; with a registry it counts requests
// and serves /metrics. dev serves the session cookie without Secure, since
// dev is plain http on 127.0.0.1.
func API(cfg config.Config, store *postgres.Store, c client.Client, changes *postgres.Changes, reg *metrics.Registry, log *slog.Logger, dev bool) *api.Server {
	var mw []gin.HandlerFunc
	var metricsHandler http.Handler
	if reg != nil {
		mw, metricsHandler = []gin.HandlerFunc{reg.Middleware()}, reg.Handler()
	}
	return api.New(api.Config{
		Middleware:      mw,
		Metrics:         metricsHandler,
		Store:           store,
		Removals:        Removals(c, store, changes),
		Changes:         watcher(changes),
		JWTSecret:       []byte(cfg.AuthJWTSecret),
		CodeSecret:      []byte(cfg.CodeSecret),
		Log:             log,
		InsecureCookies: dev,
		// The workflow's throttle matches the activity's, which is the authority.
		ResendInterval: activities.DefaultPolicy.ResendInterval,
	})
}

// Removals is how the API drives removals: Temporal, with the read model
// where a start learns its preflight's outcome (woken by changes, if any).
func Removals(c client.Client, store *postgres.Store, changes *postgres.Changes) api.TemporalRemovals {
	return api.TemporalRemovals{Client: c, Runs: store, Changes: watcher(changes)}
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
