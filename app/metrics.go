package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/metrics"
	"github.com/crm/channel-removal/worker"
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
	}, Builds: func(ctx context.Context) (map[string]float64, error) { return drainingBuilds(ctx, tc, time.Now()) }}
}

// drainingBuilds answers, for each build of the Worker Deployment that
// Temporal says is draining (no new run reaches it; runs pinned to it are
// still open), the seconds since its routing last changed: since it stopped
// being current. A removal pins for at most its retry window, so a build
// draining for longer holds a run that waits for nothing (the alert
// OldBuildNotDraining). One Describe per scrape, plus one per draining
// build: cheap, as a deployment has one or two at a time. A namespace
// without the deployment (unversioned workers) has none.
func drainingBuilds(ctx context.Context, tc client.Client, now time.Time) (map[string]float64, error) {
	h := tc.WorkerDeploymentClient().GetHandle(worker.DeploymentName)
	d, err := h.Describe(ctx, client.WorkerDeploymentDescribeOptions{})
	if err != nil {
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return nil, nil
		}
		return nil, err
	}
	out := map[string]float64{}
	for _, s := range d.Info.VersionSummaries {
		if s.DrainageStatus != client.WorkerDeploymentVersionDrainageStatusDraining {
			continue
		}
		v, err := h.DescribeVersion(ctx, client.WorkerDeploymentDescribeVersionOptions{BuildID: s.Version.BuildID})
		if err != nil {
			return nil, err
		}
		since := v.Info.RoutingChangedTime
		if since.IsZero() && v.Info.DrainageInfo != nil {
			since = v.Info.DrainageInfo.LastChangedTime
		}
		if since.IsZero() {
			since = s.CreateTime
		}
		out[s.Version.BuildID] = now.Sub(since).Seconds()
	}
	return out, nil
}
