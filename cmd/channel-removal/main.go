// Command channel-removal runs the channel removal service: `dev` (everything
// in one process), `api`, `worker`, `migrate up`, `token --email E` and
// `code-hash` (for driving verify-code by signal from the temporal CLI).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/metrics"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/tracing"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

const usage = `usage: channel-removal <command>

  dev [--reset]       the whole system in one process (embedded Temporal + Web, demo data);
                      --reset first brings demo data and Temporal state back to new
  api                 the HTTP API (needs TEMPORAL_ADDRESS, AUTH_JWT_SECRET, CODE_SECRET)
  worker              the Temporal worker (needs TEMPORAL_ADDRESS, CODE_SECRET, SENDGRID_API_KEY)
  migrate up          apply database migrations
  token --email E     print a bearer token for an existing user
  code-hash --removal ID --code C
                      print the keyed hash to send in a verify-code signal
  ops list [--status S] [--channel ID]
                      removals with channel name, status, age and last Meta error
  ops retry-unlinks (--channel ID | --all) [--wait 2m]
                      send retry-unlink to every removal in completed_with_warnings
                      (one server-side batch signal), print the batch job, then outcomes
  ops reconcile       end, once, the records of runs closed in Temporal without their end
                      (Terminate, a timeout): what the worker does every minute; prints them
  ops versions        each worker build of the deployment channel-removal: routing, task
                      queues, open runs on it, whether it is drained (docs/operations.md)
  ops promote --build-id B [--ramp P] [--wait 2m]
                      make build B current (or ramping, P% of new runs) once it polls
                      every task queue of the current build
  bench [-n N] [-c C] [-workflow-pollers P] [-activity-pollers P] [-autoscale]
        [-no-sticky] [-sqlite-journal wal|full]
                      N whole removals through the HTTP API, C at a time, then the bare
                      removal-shaped workflow on the same embedded server (own database)
  rehearse [-removals N] [-c C] [-throughput N] [-warnings N]
                      the production rehearsal: a Temporal server built from source on
                      Postgres, 2 workers and 2 APIs of the production binary, kills, a table
  probe URL           exit 0 if URL answers 200 (container health checks)
  temporal ARGS...    the pinned Temporal CLI (built on first use), e.g. temporal workflow list;
                      it reads payloads through the codec server (CODEC_URL, CODEC_AUTH_TOKEN)

ops talks to TEMPORAL_ADDRESS, or to dev's embedded server when it is unset.
`

// devCommands are the developer's commands (devtools.go); the production
// build (-tags nodev) has none of them, and says so for devOnly's names.
var (
	devCommands = map[string]func(context.Context, config.Config, []string) error{}
	devOnly     = map[string]bool{"dev": true, "bench": true, "temporal": true, "rehearse": true}
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg, err := config.Load()
	if err == nil {
		err = run(ctx, cfg, os.Args[1], os.Args[2:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "channel-removal:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cfg config.Config, cmd string, args []string) error {
	switch cmd {
	case "api":
		return runAPI(ctx, cfg)
	case "worker":
		return runWorker(ctx, cfg)
	case "migrate":
		if len(args) != 1 || args[0] != "up" {
			return errors.New("usage: channel-removal migrate up")
		}
		return migrateUp(ctx, cfg)
	case "token":
		return token(ctx, cfg, args)
	case "code-hash":
		return codeHash(cfg, args)
	case "probe":
		return probe(args)
	case "ops":
		return runOps(ctx, cfg, args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return nil
	}
	if dev, ok := devCommands[cmd]; ok {
		return dev(ctx, cfg, args)
	}
	if devOnly[cmd] {
		return fmt.Errorf("%q is not in this production build (-tags nodev): run it from the source tree, e.g. go run ./cmd/channel-removal %s", cmd, cmd)
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

// process is what `api` and `worker` both need: logger, database (already
// migrated by `migrate up`), metrics registry and a Temporal client.
type process struct {
	log *slog.Logger
	db  *sqlx.DB
	reg *metrics.Registry
	tc  client.Client
	// stopTraces flushes the spans not yet exported.
	stopTraces func(context.Context) error
}

// openProcess opens what name ("api", "worker") needs, first checking required.
func openProcess(ctx context.Context, cfg config.Config, name string, required ...string) (*process, error) {
	if err := cfg.Require(required...); err != nil {
		return nil, err
	}
	p := &process{log: app.Logger(cfg, os.Stderr), reg: metrics.New()}
	var err error
	if p.stopTraces, err = tracing.Setup(ctx, cfg.OTLPEndpoint, name, p.log); err != nil {
		return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
	}
	if p.db, err = app.OpenDatabase(ctx, cfg, false, p.log); err != nil {
		return nil, err
	}
	if p.tc, err = app.DialTemporalConfig(ctx, cfg, p.reg.SDKHandler(), p.log); err != nil {
		p.db.Close()
		return nil, err
	}
	return p, nil
}

func (p *process) close() {
	p.tc.Close()
	p.db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.stopTraces(ctx)
}

func runAPI(ctx context.Context, cfg config.Config) error {
	// CREDENTIALS_KEY seals the integrations' webhook secrets.
	required := []string{"AUTH_JWT_SECRET", "CODE_SECRET", "TEMPORAL_ADDRESS", "META_APP_SECRET", "TEMPORAL_CODEC_KEY", "CREDENTIALS_KEY"}
	if cfg.CodecAddr != "off" {
		required = append(required, "CODEC_AUTH_TOKEN")
	}
	p, err := openProcess(ctx, cfg, "api", required...)
	if err != nil {
		return err
	}
	defer p.close()
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return err
	}
	if _, err := app.ServeMetrics(ctx, cfg.MetricsAddr, p.reg, p.log); err != nil {
		return err
	}
	if _, err := app.ServeCodec(ctx, cfg, p.log); err != nil {
		return err
	}
	p.log.Info("api listening", "addr", ln.Addr().String(), "temporal", cfg.TemporalAddress)
	changes, err := postgres.Listen(cfg.DatabaseURL, p.log)
	if err != nil {
		return err
	}
	defer changes.Close()
	parts := app.Parts{Config: cfg, Store: postgres.New(p.db), Temporal: p.tc, Changes: changes, Metrics: p.reg, Log: p.log}
	return parts.ServeAPI(ctx, ln)
}

func runWorker(ctx context.Context, cfg config.Config) error {
	p, err := openProcess(ctx, cfg, "worker", "CODE_SECRET", "SENDGRID_API_KEY", "TEMPORAL_ADDRESS", "CREDENTIALS_KEY", "TEMPORAL_CODEC_KEY")
	if err != nil {
		return err
	}
	defer p.close()
	p.reg.WatchService(app.ServiceGauges(p.db, p.tc)) // the worker's scrape has them; the API's has its requests
	p.reg.BuildInfo(app.Tuning(cfg).Version.ID(), workflows.Release)
	if _, err := app.ServeMetrics(ctx, cfg.MetricsAddr, p.reg, p.log); err != nil {
		return err
	}
	p.log.Info("worker started", "temporal", cfg.TemporalAddress, "graph", cfg.MetaGraphURL())
	if cfg.MetaPartnerToken == "" { // degrades, not refused: only credit-line revocations need it (docs/operations.md)
		p.log.Warn("META_PARTNER_TOKEN is not set: revoking our credit line from a removed WABA will fail until it is")
	}
	parts := app.Parts{Config: cfg, Store: postgres.New(p.db), Temporal: p.tc, Log: p.log}
	go parts.Reconciler().Run(ctx) // records of runs closed in Temporal without their end (app/reconcile.go)
	return worker.Run(ctx, p.tc, parts.Activities(), app.Tuning(cfg))
}
