package app

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/metrics"
	"github.com/crm/channel-removal/workflows"
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

// ServiceGauges are the service's own gauges (metrics.Service) of a process
// with the database and a Temporal client: the worker's and dev's.
func ServiceGauges(db *sqlx.DB, tc client.Client) metrics.Service {
	return metrics.Service{DB: db, Notices: func(ctx context.Context) (int64, error) {
		res, err := tc.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", workflows.NoticeWorkflowName)})
		return res.GetCount(), err
	}}
}
