package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/temporalcodec"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

// The bench's two stacks are what they say: production's writes encrypted
// payloads with the trace's header and exports the SDK's and the API's
// metrics; the plain one (`bench -plain`) writes plaintext JSON with no
// trace header and has no metrics. In both, the bare shape runs on a plain
// client, so that the ratio counts the codec and the instrumentation as the
// service's cost.
func TestTheBenchStacksCarryWhatTheySay(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	for _, plain := range []bool{false, true} {
		t.Run(fmt.Sprintf("plain=%v", plain), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			o := Options{Tuning: worker.DefaultTuning, DatabaseURL: testdb.AdminURL(), Out: io.Discard, Plain: plain}
			o.defaults()
			o.Tuning.Version.Promote = worker.PromoteAlways
			s, err := startStack(ctx, o)
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			chs, err := s.seedChannels(1)
			if err != nil {
				t.Fatal(err)
			}
			d := &driver{base: s.base, token: s.token, sink: s.sink, http: http.DefaultClient}
			if err := d.removal(ctx, chs[0]); err != nil {
				t.Fatal(err)
			}
			encoding, traced := started(ctx, t, s.tc, workflows.WorkflowID(chs[0].id))
			wantEncoding, wantTraced := temporalcodec.Encoding, true
			if plain {
				wantEncoding, wantTraced = "json/plain", false
			}
			if encoding != wantEncoding || traced != wantTraced {
				t.Errorf("removal's start: encoding %q, trace header %v; want %q, %v", encoding, traced, wantEncoding, wantTraced)
			}

			bw := newBareWorker(s.bareTC, o.Tuning)
			if err := bw.Start(); err != nil {
				t.Fatal(err)
			}
			defer bw.Stop()
			if err := o.Tuning.Version.AwaitQueue(ctx, s.bareTC, "default", bareQueue); err != nil {
				t.Fatal(err)
			}
			id := fmt.Sprintf("bench-stack-test-%v", plain)
			if err := bareRun(ctx, s.bareTC, id, &steps{}); err != nil {
				t.Fatal(err)
			}
			if encoding, traced := started(ctx, t, s.tc, id); encoding != "json/plain" || traced {
				t.Errorf("bare shape's start: encoding %q, trace header %v; want plain", encoding, traced)
			}

			if plain {
				if s.with.metrics != nil {
					t.Error("the plain stack has a metrics registry")
				}
				return
			}
			rec := httptest.NewRecorder()
			s.with.metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
			for _, name := range []string{"temporal_request_total", "temporal_workflow_completed_total", "http_requests_total"} {
				if !strings.Contains(rec.Body.String(), "\n"+name+"{") {
					t.Errorf("no %s in the stack's metrics", name)
				}
			}
		})
	}
}

// started reads a run's first event raw (no codec): its input's encoding and
// whether the tracing interceptor's header is there.
func started(ctx context.Context, t *testing.T, tc client.Client, id string) (string, bool) {
	t.Helper()
	it := tc.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var first *historypb.HistoryEvent
	if it.HasNext() {
		var err error
		if first, err = it.Next(); err != nil {
			t.Fatal(err)
		}
	}
	a := first.GetWorkflowExecutionStartedEventAttributes()
	if a == nil || len(a.GetInput().GetPayloads()) == 0 {
		t.Fatalf("%s: no start with an input: %v", id, first)
	}
	_, traced := a.GetHeader().GetFields()["_tracer-data"]
	return string(a.GetInput().GetPayloads()[0].GetMetadata()[converter.MetadataEncoding]), traced
}
