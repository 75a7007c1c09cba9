package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/internal/devtools/fixtures"
	"github.com/crm/channel-removal/workflows"
)

// history is the run's history as those allowed read it: its payloads
// decrypted by the codec (as Temporal Web shows them through the codec
// server).
func (s *stack) history(id string) *historypb.History {
	s.t.Helper()
	h := s.rawHistory(s.tc, id)
	if err := app.DevCodec.DecodeInPlace(context.Background(), h); err != nil {
		s.t.Fatal(err)
	}
	return h
}

// rawHistory is the run's history as Temporal stores it, read with c.
func (s *stack) rawHistory(c client.Client, id string) *historypb.History {
	s.t.Helper()
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	h := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	return h
}

// assertNoCodeInHistory scans every event's bytes for the plaintext code,
// payloads decrypted: the code is hashed before it enters Temporal, so not
// even those who may decrypt the history read it.
func (s *stack) assertNoCodeInHistory(id, code string) {
	s.t.Helper()
	h := s.history(id)
	for _, ev := range h.Events {
		raw, _ := proto.Marshal(ev)
		if bytes.Contains(raw, []byte(code)) {
			s.t.Fatalf("plaintext code in history event %d (%s)", ev.EventId, ev.EventType)
		}
	}
	s.t.Logf("history of %s: %d events, no plaintext code", id, len(h.Events))
}

// captureHistory writes the run's history for the replay tests when
// UPDATE_HISTORIES=1 (go test ./e2e -run ... with it set, then commit).
func (s *stack) captureHistory(id, name string) {
	s.t.Helper()
	if os.Getenv("UPDATE_HISTORIES") == "" {
		return
	}
	// The read model can say "completed" a workflow task before the run closes.
	s.closed(id)
	b, err := protojson.MarshalOptions{Multiline: true, Indent: "  "}.Marshal(s.history(id))
	if err != nil {
		s.t.Fatal(err)
	}
	// A sealed release's histories are what its runs in flight replay.
	testdata := filepath.Join("..", "workflows", "testdata")
	m, err := fixtures.Load(testdata)
	if err != nil {
		s.t.Fatal(err)
	}
	if _, sealed := m.Find(workflows.Release); sealed {
		s.t.Fatalf("release %s is sealed: its histories are not rewritten; a change to the workflows' commands is a new release (workflows.Release, docs/versioning.md)", workflows.Release)
	}
	path := filepath.Join(testdata, workflows.Release, name)
	os.MkdirAll(filepath.Dir(path), 0o755)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("wrote %s", path)
}

// timerSummaries lists the summaries of the run's timers, as Temporal Web shows them.
func (s *stack) timerSummaries(id string) []string {
	s.t.Helper()
	var out []string
	for _, ev := range s.history(id).Events {
		if ev.EventType != enumspb.EVENT_TYPE_TIMER_STARTED {
			continue
		}
		var summary string
		if md := ev.GetUserMetadata(); md != nil && md.GetSummary() != nil {
			_ = converter.GetDefaultDataConverter().FromPayload(md.GetSummary(), &summary)
		}
		out = append(out, summary)
	}
	return out
}

// TestHappyPathHistoryStaysLean counts, on the real server, the history events
// of a removal that goes straight through (official channel, Meta unlink): at
// most 36 (30 before the admins' notice, a step of its own at the end), so
// the embedded server's serialized history writes stay few, and no event
// over maxEventBytes.
func TestHappyPathHistoryStaysLean(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("whatsapp_cloud", "WL-"+s.account[:8], "")
	id := s.acknowledged(ch)
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, "completed")
	s.closed(id)
	h := s.history(id)
	var kinds []string
	for _, ev := range h.Events {
		kinds = append(kinds, strings.TrimPrefix(ev.EventType.String(), "EVENT_TYPE_"))
	}
	t.Logf("happy path: %d events: %s", len(h.Events), strings.Join(kinds, " "))
	// 37 since r5: the two TimerCanceled events of the acknowledgement's and
	// the code's waits (inbox.next), whose timers would otherwise fire
	// after the input, or wake a run waiting days for ops.
	if len(h.Events) > 37 {
		t.Fatalf("happy path has %d history events, want at most 37", len(h.Events))
	}
	// Since r6 the payloads carry ids and small facts, never the removal's
	// document (3 KB in r5's Unsubscribe input, run result and update answers).
	if size, kind := largestEvent(h); size > maxEventBytes {
		t.Fatalf("happy path's largest event is %s, %d bytes; want at most %d", kind, size, maxEventBytes)
	} else {
		t.Logf("largest event: %s, %d bytes", kind, size)
	}
	trail, _ := s.store.AuditTrail(context.Background(), id)
	var actions []string
	for _, a := range trail {
		actions = append(actions, a.Action)
	}
	if strings.Join(actions, ",") != "preflight_passed,acknowledged,code_sent,code_verified,channel_removed,meta_unlinked,removal_completed,admin_notified" {
		t.Fatalf("audit trail: %v", actions)
	}
	s.captureHistory(id, "happy_path.json")
}

// maxEventBytes bounds a happy path's event (JSON): its largest is the
// start's (input, summary, search attributes).
const maxEventBytes = 2048

// largestEvent is the history's largest event as the sealed fixtures hold
// it (JSON, payloads decoded), with its type.
func largestEvent(h *historypb.History) (size int, kind string) {
	for _, ev := range h.Events {
		if b, err := protojson.Marshal(ev); err == nil && len(b) > size {
			size, kind = len(b), ev.GetEventType().String()
		}
	}
	return size, kind
}
