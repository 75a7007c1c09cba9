package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/workflows"
	enumspb "go.temporal.io/api/enums/v1"
)

// TestCustomerDataAtAMillionMessages measures the export and the purge of a
// channel with 1 M messages (docs/performance-scale.md): wall time, throughput,
// peak memory of the API (this process) and of the worker (a process of its
// own), the longest transaction, and the latency of sends on another channel
// meanwhile. It is a measurement, not a guard: it runs only with
// MILLION=1 (go test ./e2e -run TestCustomerDataAtAMillionMessages -v).
func TestCustomerDataAtAMillionMessages(t *testing.T) {
	if os.Getenv("MILLION") == "" {
		t.Skip("a measurement: MILLION=1 runs it")
	}
	convs, per := 10000, 100
	if n, _ := strconv.Atoi(os.Getenv("MILLION_CONVERSATIONS")); n > 0 {
		convs = n
	}
	s := newStack(t)
	s.retentionDay = 10 * time.Millisecond
	s.start(false)
	s.helperWorker()
	worker := s.helperPID
	ch := s.channel("messenger", "", "page-million")
	seedStart := time.Now()
	if err := s.b.Conversations(s.account, ch, s.contact, "closed", convs); err != nil {
		t.Fatal(err)
	}
	if err := s.b.Messages(ch, per); err != nil {
		t.Fatal(err)
	}
	total := convs * per
	live := s.channel("messenger", "", "page-live")
	liveConv := s.must(s.b.Conversation("", s.account, live, s.contact, "open"))
	s.store.DB().Exec(`ANALYZE messages; ANALYZE conversations`)
	t.Logf("seeded %d messages in %d conversations in %s", total, convs, time.Since(seedStart).Round(time.Second))

	// Sends on the other channel with nothing else running: the baseline.
	stopBase := s.sendLoop(liveConv)
	time.Sleep(5 * time.Second)
	t.Logf("BASELINE: sends on another channel with no export or purge: %s", stopBase())

	// Export, with sends on the other channel and the longest transaction sampled.
	runtime.GC()
	apiBase := peakRSS(os.Getpid())
	stopSends := s.sendLoop(liveConv)
	stopTx := s.longestTransaction()
	heap := heapSampler()
	start := time.Now()
	req, _ := http.NewRequest("GET", s.http.URL+"/v1/channels/"+ch+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+s.adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("export: %v %v", err, res)
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	exportWall := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	exportTx := stopTx()
	exportSends := stopSends()
	heapPeak := heap()
	t.Logf("EXPORT: %d messages, %.1f MB zip in %s: %.0f messages/s, %.1f MB/s; API process peak RSS %d MB (before %d MB), Go heap peak %d MB; longest transaction %s (the export's read-only snapshot); sends on another channel meanwhile: %s",
		total, float64(n)/1e6, exportWall.Round(time.Millisecond), float64(total)/exportWall.Seconds(), float64(n)/1e6/exportWall.Seconds(),
		peakRSS(os.Getpid())/1024, apiBase/1024, heapPeak>>20, exportTx.Round(time.Millisecond), exportSends)

	// Purge, with sends on the other channel and the longest transaction sampled.
	stopSends = s.sendLoop(liveConv)
	stopTx = s.longestTransaction()
	id, _ := s.removeChoosing(ch, 30) // 300 ms ahead
	done := s.purgeStatusWithin(ch, 30*time.Minute, "purged")
	purgeTx := stopTx()
	purgeSends := stopSends()
	if done["purged_messages"] != float64(total) || s.messagesOf(ch) != 0 {
		t.Fatalf("purge: %v, %d left", done, s.messagesOf(ch))
	}
	started, finished := s.auditTime(id, "purge_started"), s.auditTime(id, "messages_purged")
	purgeWall := finished.Sub(started)
	batches := s.activityDurations(workflows.PurgeWorkflowID(ch), "PurgeBatch")
	t.Logf("PURGE: %d messages in %d conversations in %s: %.0f messages/s, %d batches, batch p50/p99/max %s/%s/%s; worker process peak RSS %d MB; longest transaction %s; sends on another channel meanwhile: %s",
		total, convs, purgeWall.Round(time.Millisecond), float64(total)/purgeWall.Seconds(), len(batches),
		pct(batches, 50), pct(batches, 99), pct(batches, 100), peakRSS(worker)/1024, purgeTx.Round(time.Millisecond), purgeSends)
}

// peakRSS is a process's peak resident set (VmHWM), in KiB.
func peakRSS(pid int) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			f := strings.Fields(l)
			v, _ := strconv.ParseInt(f[1], 10, 64)
			return v
		}
	}
	return 0
}

// repeat calls fn every interval, from a goroutine of its own, until the
// func it returns is called (which waits for the last call to end).
func repeat(every time.Duration, fn func(i int)) (stop func()) {
	halt := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			fn(i)
			select {
			case <-halt:
				return
			case <-time.After(every):
			}
		}
	}()
	return func() { close(halt); <-done }
}

// heapSampler samples the Go heap in use every 50 ms; its func stops and
// returns the peak.
func heapSampler() func() uint64 {
	var peak uint64
	stop := repeat(50*time.Millisecond, func(int) {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		if m.HeapInuse > peak {
			peak = m.HeapInuse
		}
	})
	return func() uint64 { stop(); return peak }
}

// sendLoop sends a message on conv every 20 ms, one after another, until
// stopped; its func returns the sends' count and latency percentiles.
func (s *stack) sendLoop(conv string) (stop func() string) {
	var lat []time.Duration
	var failed int
	halt := repeat(20*time.Millisecond, func(i int) {
		t0 := time.Now()
		req, _ := http.NewRequest("POST", s.http.URL+"/v1/conversations/"+conv+"/messages", strings.NewReader(fmt.Sprintf(`{"text":"envio %d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+s.adminToken)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 202 {
			failed++
			return
		}
		res.Body.Close()
		lat = append(lat, time.Since(t0))
	})
	return func() string {
		halt()
		return fmt.Sprintf("%d sends, %d failed, p50/p99/max %s/%s/%s", len(lat), failed, pct(lat, 50), pct(lat, 99), pct(lat, 100))
	}
}

// longestTransaction samples, every 50 ms, the oldest open transaction on
// the test's database other than the sampler's; its func stops and returns
// the longest seen.
func (s *stack) longestTransaction() (stop func() time.Duration) {
	var longest time.Duration
	halt := repeat(50*time.Millisecond, func(int) {
		var ms float64
		s.store.DB().Get(&ms, `SELECT coalesce(max(extract(epoch FROM now() - xact_start) * 1000), 0) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL AND state <> 'idle'`)
		if d := time.Duration(ms * float64(time.Millisecond)); d > longest {
			longest = d
		}
	})
	return func() time.Duration { halt(); return longest }
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i > 0 {
		i--
	}
	return s[i].Round(time.Millisecond)
}

// purgeStatusWithin is purgeStatus with a deadline of its own.
func (s *stack) purgeStatusWithin(ch string, d time.Duration, want string) map[string]any {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		r := s.do("GET", "/v1/channels/"+ch, s.adminToken, nil)
		if rt := retention(r); rt["status"] == want {
			return rt
		}
		time.Sleep(time.Second)
	}
	s.t.Fatalf("purge of %s not %s within %s", ch, want, d)
	return nil
}

// auditTime is when the removal's first record of action was written.
func (s *stack) auditTime(id, action string) time.Time {
	var at time.Time
	if err := s.store.DB().Get(&at, `SELECT min(created_at) FROM removal_audit_log WHERE removal_id = $1 AND action = $2`, id, action); err != nil {
		s.t.Fatal(err)
	}
	return at
}

// activityDurations are, from the run's history, how long each completed
// activity of type name ran (started to completed).
func (s *stack) activityDurations(id, name string) []time.Duration {
	started := map[int64]time.Time{}
	scheduled := map[int64]string{}
	var out []time.Duration
	iter := s.tc.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			s.t.Fatal(err)
		}
		switch {
		case ev.GetActivityTaskScheduledEventAttributes() != nil:
			scheduled[ev.GetEventId()] = ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case ev.GetActivityTaskStartedEventAttributes() != nil:
			started[ev.GetActivityTaskStartedEventAttributes().GetScheduledEventId()] = ev.GetEventTime().AsTime()
		case ev.GetActivityTaskCompletedEventAttributes() != nil:
			sid := ev.GetActivityTaskCompletedEventAttributes().GetScheduledEventId()
			if scheduled[sid] == name {
				out = append(out, ev.GetEventTime().AsTime().Sub(started[sid]))
			}
		}
	}
	return out
}
