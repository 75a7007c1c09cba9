package app

import (
	"context"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
)

// The bench's two clients of the embedded server. Each is built here, where
// every process's client is, so that the bench measures the production
// client and nothing a production process runs reads a switch for the
// baseline: the baseline is a constructor of its own.

// DialTemporalMetered is DialTemporal with the SDK's metrics through
// metrics, as the api's and worker's clients carry them (openProcess): the
// bench's stack, the production one.
func DialTemporalMetered(ctx context.Context, address, namespace string, metrics client.MetricsHandler, log *slog.Logger) (client.Client, error) {
	return dialLoopback(ctx, clientOptions(address, namespace, DevCodec, metrics, log))
}

// DialTemporalPlain is DialTemporal without the payload codec, the tracing
// interceptor and metrics: the client as it was before them, the baseline
// the bench measures them against (`bench -plain`), and the bare shape's
// client in every run (the workflow shape on Temporal, nothing of ours).
// No process that serves anyone dials so: it would write personal data to
// Temporal in plaintext.
func DialTemporalPlain(ctx context.Context, address, namespace string, log *slog.Logger) (client.Client, error) {
	return dialLoopback(ctx, plainClientOptions(address, namespace, nil, log))
}

func dialLoopback(ctx context.Context, o client.Options) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return client.DialContext(ctx, onLoopback(o))
}
