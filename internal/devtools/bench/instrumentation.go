package bench

import (
	"context"
	"log/slog"

	"github.com/jmoiron/sqlx"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/metrics"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/tracing"
)

// instrumented is what the stack's processes carry besides the service
// itself. The default is production's: the Temporal client's payload codec,
// tracing interceptor and SDK metrics (app.DialTemporalMetered), Gin's spans
// and the request metrics (app.Parts.API with Metrics), each statement's
// span (postgres.Open), and spans recorded and batched as a process with
// OTEL_EXPORTER_OTLP_ENDPOINT set records them — into an exporter that drops
// them, as there is no collector here: what a span costs to make, record and
// carry in Temporal's headers is counted, its trip to the collector not.
// Plain (`bench -plain`) is the service before issue #42: none of them.
// Both keep the Graph client's otelhttp transport (one call per removal;
// metagraph builds it).
type instrumented struct {
	plain   bool
	metrics *metrics.Registry // nil when plain
}

func instrumentation(plain bool) instrumented {
	if plain {
		return instrumented{plain: true}
	}
	return instrumented{metrics: metrics.New()}
}

// describe is the stack's line in the printout.
func (i instrumented) describe() string {
	if i.plain {
		return "plain (-plain: no payload codec, no tracing, no metrics)"
	}
	return "production's (payload codec; spans of Gin, the Temporal interceptor and Postgres, recorded, exported nowhere; SDK and request metrics)"
}

// dial connects the API's and worker's client, and the bare shape's
// (always plain; the same client when the stack is plain).
func (i instrumented) dial(ctx context.Context, address string, log *slog.Logger) (tc, bare client.Client, err error) {
	if bare, err = app.DialTemporalPlain(ctx, address, "default", log); err != nil || i.plain {
		return bare, bare, err
	}
	if tc, err = app.DialTemporalMetered(ctx, address, "default", i.metrics.SDKHandler(), log); err != nil {
		bare.Close()
		return nil, nil, err
	}
	return tc, bare, nil
}

// trace records every span from here on, as a process exporting them does
// (tracing.Setup with an endpoint); the returned func stops it. Plain: none.
func (i instrumented) trace(ctx context.Context, log *slog.Logger) (func(), error) {
	if i.plain {
		return func() {}, nil
	}
	if _, err := tracing.Setup(ctx, "", "bench", log); err != nil { // the propagator, as every process sets it
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
	otel.SetTracerProvider(tp)
	return func() {
		tp.Shutdown(context.Background())
		otel.SetTracerProvider(noop.NewTracerProvider())
	}, nil
}

// open opens a pool of the app's database.
func (i instrumented) open(ctx context.Context, dsn string) (*sqlx.DB, error) {
	if i.plain {
		return postgres.OpenUntraced(ctx, dsn)
	}
	return postgres.Open(ctx, dsn)
}

// api drops Gin's spans (and the request metrics, absent anyway with no
// registry) from a plain stack's API.
func (i instrumented) api(c *api.Config) {
	if i.plain {
		c.Middleware = nil
	}
}
