// Package tracing sets up OpenTelemetry traces: from the Gin request
// (otelgin) through the Temporal client, workflows and activities (the SDK's
// tracing interceptor), Postgres (otelsql) and the calls out to SendGrid and
// Meta (otelhttp), exported over OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is
// set. Unset, the global provider stays OpenTelemetry's no-op one: the
// instrumentation costs a few allocations and nothing leaves the process.
package tracing

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"
)

// Setup exports this process's spans (service: channel-removal-<process>)
// to endpoint, if set; the returned func flushes and stops the exporter.
func Setup(ctx context.Context, endpoint, process string, log *slog.Logger) (func(context.Context) error, error) {
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	if endpoint == "" {
		return func(context.Context) error { return nil }, nil
	}
	exporter, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpointURL(endpoint))
	if err != nil {
		return nil, err
	}
	res := resource.NewWithAttributes(semconv.SchemaURL, semconv.ServiceName("channel-removal-"+process))
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	log.Info("traces exported over OTLP", "endpoint", endpoint, "service", "channel-removal-"+process)
	return tp.Shutdown, nil
}

// TemporalInterceptor is the SDK's OpenTelemetry tracing interceptor, for
// a client (and the workers built on it). It carries the span context in
// the headers of what it sends (starts, updates, signals, activities): the
// workflows' commands are unchanged, so replays of sealed histories are too
// (workflows/replay_test.go replays with it). A run's main line follows the
// last update it handled (followUpdates): the Meta call of a removal is in
// the trace of its `POST …/verify`.
func TemporalInterceptor() interceptor.Interceptor {
	i, err := opentelemetry.NewTracingInterceptor(opentelemetry.TracerOptions{SpanContextKey: spanKey{}})
	if err != nil {
		panic(err) // only with options we do not set
	}
	return followUpdates{i}
}
