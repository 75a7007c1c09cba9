package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/crm/channel-removal/metrics"
)

// ServeMetrics serves reg at /metrics on addr (METRICS_ADDR; "off":
// nowhere) until ctx ends, on a listener of its own: never the public API's,
// whose clients have no business reading routes, rates and Temporal's
// latencies. It answers the address it listens on (nil when off).
func ServeMetrics(ctx context.Context, addr string, reg *metrics.Registry, log *slog.Logger) (net.Addr, error) {
	if addr == "off" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", reg.Handler())
	go Serve(ctx, ln, mux)
	log.Info("metrics", "addr", ln.Addr().String())
	return ln.Addr(), nil
}
