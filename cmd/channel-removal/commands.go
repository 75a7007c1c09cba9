package main

// The one-shot commands: migrate, token, code-hash, probe and ops.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/migrations"
	"github.com/crm/channel-removal/ops"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/temporalcodec"
	"github.com/crm/channel-removal/vcode"
	"github.com/crm/channel-removal/worker"
)

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
		return errors.New("usage: channel-removal ops (list | retry-unlinks | reconcile | meta-calls | versions | promote) ...")
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
		if cfg.TemporalCodecKey == "" {
			cfg.TemporalCodecKey = temporalcodec.DevKey // and its key
		}
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
	case "meta-calls":
		return metaCalls(ctx, cfg)
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
		codec, _ := cfg.Codec() // DialTemporalConfig refused a bad key
		_, outcomes, err := ops.RetryUnlinks(ctx, tc, codec.DataConverter(), cfg.TemporalNamespace, ops.Filter{ChannelID: *channel}, who, *wait, os.Stdout)
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
