package metrics

import (
	"go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
)

// SDKHandler is the Temporal SDK's metrics through the SDK's own
// OpenTelemetry handler (go.temporal.io/sdk/contrib/opentelemetry), read by
// OpenTelemetry's Prometheus exporter into this registry. OpenTelemetry keeps
// every attribute set of a name as its own series, which the hand-made
// bridge this replaces could not (it fixed a name's labels at first use and
// dropped the rest); and it is the handler the traces' interceptor comes
// from, one library for both (docs/observability.md). Tally's Prometheus
// reporter would do as well for metrics, but adds a second metrics library
// beside OpenTelemetry's traces.
func (r *Registry) SDKHandler() client.MetricsHandler {
	r.sdkOnce.Do(func() {
		exporter, err := prometheus.New(prometheus.WithRegisterer(r.reg), prometheus.WithoutScopeInfo(), prometheus.WithoutTargetInfo())
		if err != nil {
			panic(err) // only a name registered twice: a programming error
		}
		provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exporter),
			// The SDK's timers are seconds: buckets from 1 ms to about a minute
			// (OpenTelemetry's defaults are for milliseconds).
			sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Kind: sdkmetric.InstrumentKindHistogram, Unit: "s"},
				sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{Boundaries: timerBuckets}})))
		r.sdk = temporalotel.NewMetricsHandler(temporalotel.MetricsHandlerOptions{
			Meter: provider.Meter("temporal-sdk-go"),
			// Counters are Prometheus counters (_total), not up-down gauges.
			UseMonotonicCounters: true,
		})
	})
	return r.sdk
}

var timerBuckets = []float64{.001, .002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}
