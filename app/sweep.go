package app

import (
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/crm/channel-removal/postgres"
)

// ServeAPI serves the API and the web app on ln until ctx ends, sweeping
// meanwhile what the sign-in and the throttles leave behind.
func (p Parts) ServeAPI(ctx context.Context, ln net.Listener) error {
	go Sweep(ctx, p.Store, SweepEvery, p.Log)
	return Serve(ctx, ln, p.API().Handler())
}

// SweepEvery is how often an API process sweeps.
const SweepEvery = 10 * time.Minute

// Sweep deletes, every interval until ctx ends, the throttles' buckets whose
// window passed an hour ago (the longest window is 15 minutes) and the
// expired web sessions and Idempotency-Keys (a day after their answer): none
// is read again, and all would grow forever.
// Several API processes sweeping at once delete the same rows, harmlessly.
func Sweep(ctx context.Context, store *postgres.Store, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		now := time.Now()
		if b, s, err := store.Sweep(ctx, now, now.Add(-time.Hour)); err != nil && ctx.Err() == nil {
			log.Warn("sweep failed", "error", err)
		} else if b+s > 0 {
			log.Info("swept", "throttle_buckets", b, "expired_sessions", s)
		}
		if k, err := store.SweepIdempotencyKeys(ctx, now); err != nil && ctx.Err() == nil {
			log.Warn("sweep of idempotency keys failed", "error", err)
		} else if k > 0 {
			log.Info("swept", "expired_idempotency_keys", k)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
