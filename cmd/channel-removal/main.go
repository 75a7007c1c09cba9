// Command channel-removal runs the channel removal service: `dev` (everything
// in one process), `api`, `worker`, `migrate up`, `token --email E` and
// `code-hash` (for driving verify-code by signal from the temporal CLI).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/metrics"
	"github.com/crm/channel-removal/migrations"
	"github.com/crm/channel-removal/ops"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/vcode"
	"github.com/crm/channel-removal/worker"
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
  temporal ARGS...    the pinned Temporal CLI (built on first use), e.g. temporal workflow list

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
}

func openProcess(ctx context.Context, cfg config.Config, required ...string) (*process, error) {
	if err := cfg.Require(required...); err != nil {
		return nil, err
	}
	p := &process{log: app.Logger(cfg, os.Stderr), reg: metrics.New()}
	var err error
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
}

func runAPI(ctx context.Context, cfg config.Config) error {
	p, err := openProcess(ctx, cfg, "AUTH_JWT_SECRET", "CODE_SECRET", "TEMPORAL_ADDRESS", "META_APP_SECRET")
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
	p, err := openProcess(ctx, cfg, "CODE_SECRET", "SENDGRID_API_KEY", "TEMPORAL_ADDRESS", "CREDENTIALS_KEY")
	if err != nil {
		return err
	}
	defer p.close()
	if _, err := app.ServeMetrics(ctx, cfg.MetricsAddr, p.reg, p.log); err != nil {
		return err
	}
	p.log.Info("worker started", "temporal", cfg.TemporalAddress, "graph", cfg.MetaGraphURL())
	parts := app.Parts{Config: cfg, Store: postgres.New(p.db), Temporal: p.tc, Log: p.log}
	go parts.Reconciler().Run(ctx) // records of runs closed in Temporal without their end (app/reconcile.go)
	return worker.Run(ctx, p.tc, parts.Activities(), app.Tuning(cfg))
}

func migrateUp(ctx context.Context, cfg config.Config) error {
	if err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var keys *credentials.Keyring
	if cfg.CredentialsKey != "" {
		if keys, err = cfg.Keyring(); err != nil {
			return err
		}
	}
	return migrations.Up(ctx, db.DB, app.Logger(cfg, os.Stderr), keys)
}

func token(ctx context.Context, cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	email := fs.String("email", "", "e-mail of an existing user")
	ttl := fs.Duration("ttl", 24*time.Hour, "validity")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return errors.New("usage: channel-removal token --email E [--ttl 24h]")
	}
	if err := cfg.Require("AUTH_JWT_SECRET"); err != nil {
		return err
	}
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := postgres.New(db).UserByEmail(ctx, *email)
	if err != nil {
		return fmt.Errorf("user %s: %w", *email, err)
	}
	t, err := api.IssueToken([]byte(cfg.AuthJWTSecret), u.ID, *ttl)
	if err != nil {
		return err
	}
	fmt.Println(t)
	return nil
}

func codeHash(cfg config.Config, args []string) error {
	fs := flag.NewFlagSet("code-hash", flag.ContinueOnError)
	removal := fs.String("removal", "", "removal id, remove-channel:<channel-id>")
	code := fs.String("code", "", "the code from the e-mail")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *removal == "" || *code == "" {
		return errors.New("usage: channel-removal code-hash --removal remove-channel:<id> --code 123456")
	}
	if cfg.CodeSecret == "" {
		cfg.ApplyDevDefaults()
		fmt.Fprintln(os.Stderr, "CODE_SECRET unset: hashing with the dev value")
	}
	fmt.Println(vcode.Hash([]byte(cfg.CodeSecret), *removal, *code))
	return nil
}

// probe is for health checks in images that have no curl.
func probe(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: channel-removal probe URL")
	}
	c := &http.Client{Timeout: 5 * time.Second}
	res, err := c.Get(args[0])
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", args[0], res.StatusCode)
	}
	return nil
}

func runOps(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: channel-removal ops (list | retry-unlinks | reconcile | versions | promote) ...")
	}
	fs := flag.NewFlagSet("ops "+args[0], flag.ContinueOnError)
	status := fs.String("status", "", "only this RemovalStatus (list)")
	channel := fs.String("channel", "", "only this channel id")
	all := fs.Bool("all", false, "every removal in completed_with_warnings (retry-unlinks)")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for outcomes (retry-unlinks), or for the build's task queues (promote)")
	build := fs.String("build-id", "", "the build to promote (promote)")
	ramp := fs.Float64("ramp", 0, "make the build ramping with this percentage of new runs, not current (promote)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if cfg.TemporalAddress == "" {
		cfg.TemporalAddress = fmt.Sprintf("127.0.0.1:%d", cfg.TemporalPort) // dev's embedded server
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tc, err := app.DialTemporalConfig(ctx, cfg, nil, log)
	if err != nil {
		return err
	}
	defer tc.Close()
	switch args[0] {
	case "list":
		rs, err := ops.List(ctx, tc, ops.Filter{Status: *status, ChannelID: *channel})
		if err != nil {
			return err
		}
		ops.PrintList(os.Stdout, rs, time.Now())
		return nil
	case "reconcile":
		return reconcile(ctx, cfg, tc)
	case "versions":
		bs, err := ops.Versions(ctx, tc, worker.DeploymentName)
		if err != nil {
			return err
		}
		ops.PrintVersions(os.Stdout, worker.DeploymentName, bs, time.Now())
		return nil
	case "promote":
		if *build == "" || *ramp < 0 || *ramp > 100 {
			return errors.New("usage: channel-removal ops promote --build-id B [--ramp P] [--wait 2m]")
		}
		return ops.Promote(ctx, tc, cfg.TemporalNamespace, *build, *ramp, *wait, "ops:"+os.Getenv("USER"), os.Stdout)
	case "retry-unlinks":
		if (*channel == "") == !*all {
			return errors.New("usage: channel-removal ops retry-unlinks (--channel ID | --all) [--wait 2m]")
		}
		who := "ops"
		if u := os.Getenv("USER"); u != "" {
			who = "ops:" + u
		}
		_, outcomes, err := ops.RetryUnlinks(ctx, tc, cfg.TemporalNamespace, ops.Filter{ChannelID: *channel}, who, *wait, os.Stdout)
		if err != nil {
			return err
		}
		for _, o := range outcomes {
			if o.Err != nil || o.Status != "completed" {
				return errors.New("some unlinks did not complete; see above")
			}
		}
		return nil
	}
	return fmt.Errorf("unknown ops command %q", args[0])
}
