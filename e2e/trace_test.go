package e2e

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TestTracesFollowARemovalFromHTTPToMeta records one removal's spans in
// memory and finds one trace from `POST …/verify` to the call to Meta: the
// update through Temporal (the client's call, the run's handler), Postgres's
// statements, then the unlink the run's main line schedules after the
// update (tracing.followUpdates), its activity and Meta's subscribed_apps.
// The trace of `POST …/removals` keeps the start and the run's earlier work,
// but no longer the Meta call.
func TestTracesFollowARemovalFromHTTPToMeta(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "PT-"+s.account[:8])
	id := s.acknowledged(ch)
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, "completed")
	s.closed(id) // the run's span ends with its last task, which may follow the record's "completed"

	spans := rec.Ended()
	root := func(route string) trace.TraceID {
		for _, sp := range spans {
			if sp.SpanKind() == trace.SpanKindServer && strings.HasSuffix(sp.Name(), route) {
				return sp.SpanContext().TraceID()
			}
		}
		t.Fatalf("no server span of %s among %d spans", route, len(spans))
		return trace.TraceID{}
	}
	in := func(tr trace.TraceID) map[string]bool {
		kinds := map[string]bool{}
		for _, sp := range spans {
			if sp.SpanContext().TraceID() != tr {
				continue
			}
			for _, a := range sp.Attributes() {
				if strings.HasPrefix(string(a.Key), "url.") && strings.Contains(a.Value.Emit(), "subscribed_apps") {
					kinds["meta"] = true
				}
				if a.Key == "db.system" || a.Key == "db.system.name" {
					kinds["postgres"] = true
				}
			}
			for _, prefix := range []string{"StartWorkflow:", "UpdateWorkflow:", "HandleUpdate:", "RunWorkflow:", "RunActivity:"} {
				if strings.HasPrefix(sp.Name(), prefix) {
					kinds[prefix] = true
				}
			}
		}
		return kinds
	}
	check := func(route string, want ...string) {
		kinds := in(root(route))
		for _, w := range want {
			if !kinds[w] {
				t.Errorf("the trace of %s has no %s span; it has %v", route, w, kinds)
			}
		}
	}
	check("/v1/removals/:id/verify", "UpdateWorkflow:", "HandleUpdate:", "RunActivity:", "postgres", "meta")
	check("/v1/channels/:id/removals", "StartWorkflow:", "RunWorkflow:", "postgres")
	if kinds := in(root("/v1/channels/:id/removals")); kinds["meta"] {
		t.Errorf("the Meta call is still in the trace of the start, not only the verify's")
	}
}
