package rehearsal

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/crm/channel-removal/workflows"
	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/proxy"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
)

// The rotation phase reads which key wrote each payload of a raw history:
// an event's input encrypted under k1 names k1, its header (never
// encrypted) names none, and search attributes are not counted.
func TestARawEventsPayloadsNameTheirKey(t *testing.T) {
	k1, _ := newCodec("k1")
	plain, err := converter.GetDefaultDataConverter().ToPayloads("Maria da Silva")
	if err != nil {
		t.Fatal(err)
	}
	enc, err := k1.Encode(plain.Payloads)
	if err != nil {
		t.Fatal(err)
	}
	header, _ := converter.GetDefaultDataConverter().ToPayload(map[string]string{"traceparent": "00-…"})
	sa, _ := converter.GetDefaultDataConverter().ToPayload("completed")
	e := &historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionStartedEventAttributes{
		WorkflowExecutionStartedEventAttributes: &historypb.WorkflowExecutionStartedEventAttributes{
			Input:            &commonpb.Payloads{Payloads: enc},
			Header:           &commonpb.Header{Fields: map[string]*commonpb.Payload{"_tracer-data": header}},
			SearchAttributes: &commonpb.SearchAttributes{IndexedFields: map[string]*commonpb.Payload{"RemovalStatus": sa}},
		}}}
	got := map[string]int{}
	for _, p := range payloadsOf(context.Background(), e) {
		got[keyID(p)]++
	}
	if len(got) != 2 || got["k1"] != 1 || got[""] != 1 {
		t.Fatalf("key ids of the event's payloads: %v", got)
	}
	if keysText(got) != "k1 1, plaintext 1" {
		t.Fatalf("keysText: %q", keysText(got))
	}
}

func TestSetEnvReplacesEveryEntryOfItsKey(t *testing.T) {
	env := setEnv([]string{"A=1", "TEMPORAL_CODEC_KEY=k1:x", "B=2", "TEMPORAL_CODEC_KEY=k1:y"}, "TEMPORAL_CODEC_KEY", "k2:z,k1:x")
	if len(env) != 3 || env[2] != "TEMPORAL_CODEC_KEY=k2:z,k1:x" || envValue(env, "TEMPORAL_CODEC_KEY") != "k2:z,k1:x" {
		t.Fatalf("%v", env)
	}
}

// A run whose history k1 encrypted replays, as a worker replays it, with
// k2,k1 and not with k2 alone (the sealed happy path of the current
// release, its payloads encrypted here).
func TestAK1HistoryReplaysWithK2K1AndNotWithK2Alone(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", "..", "workflows", "testdata", workflows.Release, "happy_path.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h, err := client.HistoryFromJSON(f, client.HistoryJSONOptions{})
	if err != nil {
		t.Fatal(err)
	}
	k1, k1Spec := newCodec("k1")
	_, k2Spec := newCodec("k2")
	encrypted := 0
	if err := proxy.VisitPayloads(context.Background(), h, proxy.VisitPayloadsOptions{SkipSearchAttributes: true,
		Visitor: func(_ *proxy.VisitPayloadsContext, ps []*commonpb.Payload) ([]*commonpb.Payload, error) {
			encrypted += len(ps)
			return k1.Encode(ps)
		}}); err != nil {
		t.Fatal(err)
	}
	if encrypted == 0 {
		t.Fatal("no payload in the history")
	}
	if got := replayWith(k2Spec+","+k1Spec, h); got != "ok" {
		t.Fatalf("with k2,k1: %s", got)
	}
	got := replayWith(k2Spec, h)
	t.Log("with k2 alone: ", got)
	if !strings.Contains(got, `"k1"`) {
		t.Fatalf("with k2 alone: %s", got)
	}
}
