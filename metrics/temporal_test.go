package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestEveryLabelSetOfAnSDKMetricIsExported: the SDK tags one metric name
// with different label sets (a poll's and a request's tags differ); each is
// a series of its own on /metrics. The hand-made bridge kept the first set's
// labels and dropped or blanked the rest.
func TestEveryLabelSetOfAnSDKMetricIsExported(t *testing.T) {
	r := New()
	h := r.SDKHandler()
	h.WithTags(map[string]string{"namespace": "default", "operation": "StartWorkflowExecution"}).Counter("temporal_request").Inc(1)
	h.WithTags(map[string]string{"namespace": "default", "operation": "PollWorkflowTaskQueue", "task_queue": "channel-removal"}).Counter("temporal_request").Inc(2)
	h.WithTags(map[string]string{"task_queue": "channel-removal"}).Timer("temporal_workflow_task_schedule_to_start_latency").Record(30 * time.Millisecond)
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`temporal_request_total{namespace="default",operation="StartWorkflowExecution"} 1`,
		`temporal_request_total{namespace="default",operation="PollWorkflowTaskQueue",task_queue="channel-removal"} 2`,
		`temporal_workflow_task_schedule_to_start_latency_seconds_bucket{task_queue="channel-removal",le="0.05"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s\n%s", want, grep(string(body), "temporal_"))
		}
	}
}

func grep(text, prefix string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
