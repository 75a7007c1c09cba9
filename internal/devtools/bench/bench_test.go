package bench_test

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/internal/devtools/bench"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/worker"
)

// The bench is a contract command (SPEC §2): a small run goes end to end on
// its own stack and ends with the SPEC's last line; every removal completes
// with a history of at most 36 events. (Numbers from so small a run mean nothing.)
func TestBenchRunsAndPrintsTheLastLine(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal dev server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out bytes.Buffer
	res, err := bench.Run(ctx, bench.Options{N: 6, C: 3, Settle: 3, Rounds: 2, Tuning: worker.DefaultTuning, DatabaseURL: testdb.AdminURL(), Out: &out})
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	t.Log(last)
	want := regexp.MustCompile(`^bench: e2e [0-9.]+ runs/s, bare [0-9.]+ runs/s, ratio [0-9.]+, events \d+, POST removals p50/p99 \d+/\d+ ms, GET removal p50/p99 \d+/\d+ ms$`)
	if !want.MatchString(last) {
		t.Fatalf("last line %q", last)
	}
	// The warm-up (C runs of each phase) and the settling runs go first and are
	// not in the measured phases, which alternate in two rounds of three runs each.
	if res.E2E.Runs != 6 || res.Bare.Runs != 6 || res.Events > 37 || res.Events == 0 || len(res.POST) != 6 || len(res.WarmupPOST) != 3 || res.Settle != 3 ||
		len(res.RoundRatios) != 2 || len(res.E2E.Run) != 6 || len(res.Bare.Run) != 6 {
		t.Fatalf("result: %+v", res)
	}
	// The own work alone is measured on six removals of its own (an error in
	// any fails the run).
	if res.Own.Runs != 6 || res.Own.PostgresCPU <= 0 {
		t.Fatalf("own work alone: %+v", res.Own)
	}
	// Each removal is read once plainly, and followed to completed by waiting
	// reads where the verify answered before the end: since r6 the verify
	// answers from the read model, which may already say completed when
	// the unlink was quick, so some removals need no waiting read.
	if len(res.GET) != 6 {
		t.Fatalf("%d plain reads, want 6", len(res.GET))
	}
	for _, part := range []string{"where a run waits", "CPU ms per run", "history per removal", "largest event of a removal's history", "warm-up (cold burst)", "settling, 3 removals", "ratio of each round", "round 2/2", "a removal's own work above the bare shape", "own work alone (no Temporal, HTTP)", "budget for ratio 0.9"} {
		if !strings.Contains(out.String(), part) {
			t.Fatalf("no %q in\n%s", part, out.String())
		}
	}
}
