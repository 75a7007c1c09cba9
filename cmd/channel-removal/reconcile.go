package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/ops"
	"github.com/crm/channel-removal/postgres"
)

// reconcile is `ops reconcile`: one pass of the worker's reconciler
// (app.Reconciler) against DATABASE_URL and Temporal, printing what it
// changed. Running it beside the workers is harmless: each end is a
// compare-and-set on its row.
func reconcile(ctx context.Context, cfg config.Config, tc client.Client) error {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rep, err := app.Parts{Config: cfg, Store: postgres.New(db), Temporal: tc, Log: log}.Reconciler().Once(ctx)
	ops.PrintReconciled(os.Stdout, rep.Changed, rep.Unknown)
	if err != nil {
		return err
	}
	if rep.Failed > 0 {
		return fmt.Errorf("%d record(s) could not be settled; see the warnings above", rep.Failed)
	}
	return nil
}

// metaCalls is `ops meta-calls`: the Meta calls whose intent is still open
// (activities/meta_call.go), from DATABASE_URL.
func metaCalls(ctx context.Context, cfg config.Config) error {
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer db.Close()
	open, err := postgres.New(db).OpenMetaCalls(ctx, 500)
	if err != nil {
		return err
	}
	ops.PrintMetaCalls(os.Stdout, open, time.Now())
	return nil
}
