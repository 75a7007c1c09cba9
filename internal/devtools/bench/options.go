package bench

import (
	"fmt"
	"io"
	"os"

	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/worker"
)

// Options is one benchmark run.
type Options struct {
	N, C int
	// Warmup runs of each phase go first, unmeasured (zero: C; negative:
	// none), so that both phases are measured warm: the first C runs start
	// at the same instant on a fresh server and empty connection pools, a
	// burst the steady state does not have (printed apart).
	Warmup int
	// Settle runs of each phase follow the warm-up, unmeasured too (zero:
	// SettleRuns; negative: none): enough for every pooled connection to
	// reach the steady state of its prepared statements. Postgres plans a
	// prepared statement afresh on each of its first five executions on a
	// connection before it settles on a generic plan (plan_cache_mode=auto),
	// and lib/pq prepares each statement once per connection: with 2×20
	// pooled connections a 300-run bench spent ~0.75 ms of Postgres CPU per
	// removal on planning that a service running for days does not
	// (pg_stat_statements: plans = 120 = 20 connections × 6 per statement).
	Settle int
	Tuning worker.Tuning
	// Journal is the embedded server's SQLite commit mode.
	Journal temporaldev.Journal
	// DatabaseURL names the server; the bench creates and drops its own database there.
	DatabaseURL string
	// Rounds splits the N runs of each phase into rounds that alternate
	// (zero: 1).
	Rounds int
	// CPUProfile, when set, names the files for this process's CPU profile
	// of each measured phase and round: CPUProfile+".e2e.1", ".bare.1", …,
	// and of the own work alone, ".own.1".
	CPUProfile string
	// Plain runs the stack without the payload codec and the tracing and
	// metrics instrumentation (the Temporal client's codec, tracing
	// interceptor and SDK metrics; Gin's spans and request metrics;
	// otelsql): the service as it was before them, to measure what they
	// cost (stack.go). The bare shape runs plain in every run.
	Plain bool
	Out   io.Writer
}

// defaults fills what o leaves unset (see each field).
func (o *Options) defaults() {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Journal == "" {
		o.Journal = temporaldev.JournalWAL
	}
	switch {
	case o.Warmup == 0:
		o.Warmup = o.C
	case o.Warmup < 0:
		o.Warmup = 0
	}
	switch {
	case o.Settle == 0:
		o.Settle = SettleRuns
	case o.Settle < 0:
		o.Settle = 0
	}
	if o.Rounds < 1 {
		o.Rounds = 1
	}
}

// SettleRuns is Options.Settle's default: 8 removals per pooled connection
// of the worker and of the API (postgres.PoolSize each), so that each
// connection has run each statement of a removal past the five custom plans.
const SettleRuns = 8 * postgres.PoolSize

func (o Options) profile(phase string, round int) string {
	if o.CPUProfile == "" {
		return ""
	}
	return fmt.Sprintf("%s.%s.%d", o.CPUProfile, phase, round)
}
