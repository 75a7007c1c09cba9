// Package bench measures whole removals through the HTTP API against the bare
// removal-shaped workflow on the same embedded Temporal server, in one run
// (`channel-removal bench`). The ratio of the two is what the service costs
// above the workflow shape itself; on a shared, noisy machine only ratios and
// percentiles from one run mean anything.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/migrations"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
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
	Out        io.Writer
}

// Result is what one run measured.
type Result struct {
	E2E, Bare Phase
	// Own is the removal's own work alone (own_alone.go): N removals'
	// Postgres statements and activities, with neither Temporal nor HTTP.
	Own        Phase
	Events     int // history events of a typical (median) removal
	BareEvents int
	// Bytes is a typical removal's history size; payloads are what it
	// has that the bare shape's history has not.
	Bytes, BareBytes int64
	Largest          Largest // a removal's largest history event
	POST, GET        Latencies
	// WaitingGET are the waiting reads after verify: each lasts until the
	// status it waits past changes, so it is a step's latency, not a read's.
	WaitingGET Latencies
	// WarmupPOST are the warm-up's POST latencies: C starts at once, cold.
	WarmupPOST Latencies
	// RoundRatios are each round's ratio of e2e to bare runs/s.
	RoundRatios []float64
	Warmup      int
	Settle      int
	// Steps are each phase's latencies per step of a run.
	E2ESteps, BareSteps map[string]Latencies
	// Cancelled are the steps of the removals that resend and cancel.
	Cancelled map[string]Latencies
	Machine   string
	N, C      int
	Tuning    worker.Tuning
	Journal   temporaldev.Journal
}

// Phase is N runs, C at a time.
type Phase struct {
	Wall time.Duration
	Runs int
	Run  Latencies // whole-run latency
	// CPU the phase used: the Temporal server's, this process's (API,
	// worker, driver, Graph simulator), Postgres's, and the whole machine's.
	ServerCPU, SelfCPU, PostgresCPU, MachineCPU time.Duration
}

// add sums two rounds of a phase.
func (p Phase) add(q Phase) Phase {
	p.Wall += q.Wall
	p.Runs += q.Runs
	p.Run = append(p.Run, q.Run...)
	sort.Slice(p.Run, func(i, j int) bool { return p.Run[i] < p.Run[j] })
	p.ServerCPU += q.ServerCPU
	p.SelfCPU += q.SelfCPU
	p.PostgresCPU += q.PostgresCPU
	p.MachineCPU += q.MachineCPU
	return p
}

// RunsPerSecond is the phase's throughput.
func (p Phase) RunsPerSecond() float64 { return float64(p.Runs) / p.Wall.Seconds() }

// Latencies are sorted samples.
type Latencies []time.Duration

// P is the q-th percentile (0 < q ≤ 100).
func (l Latencies) P(q int) time.Duration {
	if len(l) == 0 {
		return 0
	}
	i := len(l) * q / 100
	if i >= len(l) {
		i = len(l) - 1
	}
	return l[i]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Run starts the stack on free ports with a database of its own, runs both
// phases and prints the table and the last line.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Out == nil {
		o.Out = os.Stdout
	}
	host, _ := os.Hostname()
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
	res := Result{N: o.N, C: o.C, Warmup: o.Warmup, Settle: o.Settle, Tuning: o.Tuning, Journal: o.Journal, Machine: fmt.Sprintf("%s, %d CPU, %s", host, runtime.NumCPU(), runtime.Version())}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))

	dsn, drop, err := ownDatabase(ctx, o.DatabaseURL)
	if err != nil {
		return res, err
	}
	defer drop()
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		return res, err
	}
	defer db.Close()
	if err := migrations.Up(ctx, db.DB, nil, nil); err != nil {
		return res, err
	}
	store := postgres.New(db)

	dir, err := os.MkdirTemp("", "cr-bench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	fmt.Fprintf(o.Out, "bench: starting Temporal (embedded dev server, SQLite) ...\n")
	srv, err := temporaldev.Start(ctx, temporaldev.Options{DBFile: filepath.Join(dir, "temporal.db"),
		SearchAttributes: workflows.SearchAttributeNames, Progress: o.Out, Journal: o.Journal})
	if err != nil {
		return res, err
	}
	defer srv.Stop()
	tc, err := app.DialTemporal(ctx, srv.Address, "default", quiet)
	if err != nil {
		return res, err
	}
	defer tc.Close()

	graph := httptest.NewServer(graphsim.New())
	defer graph.Close()
	sink := newMailSink()
	acts := benchActivities(store, sink, graph.URL, quiet)
	o.Tuning.Apply()
	o.Tuning.Version.Promote = worker.PromoteAlways // its own server: the one build
	w, err := worker.Start(ctx, tc, acts, o.Tuning)
	if err != nil {
		return res, err
	}
	defer w.Stop()

	changes, err := postgres.Listen(dsn, quiet)
	if err != nil {
		return res, err
	}
	defer changes.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return res, err
	}
	// The API has a connection pool of its own, as in production where it is
	// a process of its own: its short reads do not wait behind the worker's
	// transactions for a connection.
	apiDB, err := postgres.Open(ctx, dsn)
	if err != nil {
		return res, err
	}
	defer apiDB.Close()
	apiStore := postgres.New(apiDB)
	for _, pool := range []*sqlx.DB{db, apiDB} { // as the api and worker processes do at start
		if err := postgres.Warm(ctx, pool); err != nil {
			return res, err
		}
	}
	apiParts := app.Parts{Config: benchConfig, Store: apiStore, Temporal: tc, Changes: changes, Log: quiet}
	httpSrv := &http.Server{Handler: apiParts.API(func(c *api.Config) { c.ResendInterval = resendInterval }).Handler()}
	go httpSrv.Serve(ln)
	defer httpSrv.Close()
	base := "http://" + ln.Addr().String()

	fmt.Fprintf(o.Out, "bench: seeding %d channels ...\n", o.N+o.Warmup+o.Settle)
	b := seed.Builder{DB: db}
	account, err := b.Account("", "Loja Bench", "dono@bench.test")
	if err != nil {
		return res, err
	}
	admin, err := b.User("", account, "admin@bench.test", "Admin Bench", "admin")
	if err != nil {
		return res, err
	}
	token, err := api.IssueToken([]byte(benchConfig.AuthJWTSecret), admin, 2*time.Hour)
	if err != nil {
		return res, err
	}
	// The channels of the measured removals, the warm-up's, the settling's,
	// those whose own work is measured alone, then those of the removals
	// that resend and cancel.
	cancels := max(o.C, o.N/5)
	channels := make([]channel, o.N+o.Warmup+o.Settle+o.N+cancels)
	for i := range channels {
		name := fmt.Sprintf("Bench WhatsApp %04d", i)
		id, err := b.Channel(seed.ChannelSpec{AccountID: account, Name: name, Kind: "whatsapp_cloud",
			WABAID: fmt.Sprintf("BENCH-WABA-%04d", i), Token: "bench-token"})
		if err != nil {
			return res, err
		}
		channels[i] = channel{id: id, name: name}
	}

	// Each admin's browser keeps its connection open between requests; Go's
	// default of two idle connections per host would make 48 of the 50
	// drivers reconnect on every request, a cost no browser pays.
	browsers := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: o.C, MaxIdleConns: o.C}}
	bw := newBareWorker(tc, o.Tuning)
	if err := bw.Start(); err != nil {
		return res, err
	}
	defer bw.Stop()
	if err := o.Tuning.Version.AwaitQueue(ctx, tc, "default", bareQueue); err != nil {
		return res, err
	}
	if o.Warmup > 0 {
		fmt.Fprintf(o.Out, "bench: warm-up, %d removals through the HTTP API and %d bare runs (not measured) ...\n", o.Warmup, o.Warmup)
		wd := &driver{base: base, token: token, sink: sink, http: browsers}
		if err := unmeasured(ctx, tc, wd, channels[o.N:o.N+o.Warmup], o.C, "warmup"); err != nil {
			return res, fmt.Errorf("warm-up: %w", err)
		}
		res.WarmupPOST, _, _ = wd.sorted()
	}
	if o.Settle > 0 {
		fmt.Fprintf(o.Out, "bench: settling, %d removals through the HTTP API and %d bare runs (not measured) ...\n", o.Settle, o.Settle)
		sd := &driver{base: base, token: token, sink: sink, http: browsers}
		if err := unmeasured(ctx, tc, sd, channels[o.N+o.Warmup:o.N+o.Warmup+o.Settle], o.C, "settle"); err != nil {
			return res, fmt.Errorf("settling: %w", err)
		}
	}
	// The phases alternate in rounds, so that both see the machine's speed
	// as it drifts (it moves by a third within the hour here), and the same
	// server as its database grows.
	d := &driver{base: base, token: token, sink: sink, http: browsers}
	var bareSteps steps
	done := 0
	for r := 1; r <= o.Rounds; r++ {
		n := o.N*r/o.Rounds - done
		fmt.Fprintf(o.Out, "bench: round %d/%d: %d whole removals through the HTTP API, then %d bare removal-shaped workflows (same server and worker options), %d at a time ...\n",
			r, o.Rounds, n, n, o.C)
		e2e, err := measured(srv, o.profile("e2e", r), func() (Phase, error) {
			return phase(n, o.C, func(i int) error { return d.removal(ctx, channels[done+i]) })
		})
		if err != nil {
			return res, err
		}
		bare, err := measured(srv, o.profile("bare", r), func() (Phase, error) {
			return phase(n, o.C, func(i int) error {
				return bareRun(ctx, tc, fmt.Sprintf("bench-bare-%d-%d", os.Getpid(), done+i), &bareSteps)
			})
		})
		if err != nil {
			return res, err
		}
		res.E2E, res.Bare = res.E2E.add(e2e), res.Bare.add(bare)
		res.RoundRatios = append(res.RoundRatios, e2e.RunsPerSecond()/bare.RunsPerSecond())
		done += n
	}
	fmt.Fprintf(o.Out, "bench: the removal's own work alone: %d removals' Postgres statements and activities, with neither Temporal nor HTTP, %d at a time ...\n", o.N, o.C)
	fmt.Fprintf(o.Out, "bench: %d removals acknowledged, their code resent after %s, then cancelled, %d at a time ...\n", cancels, resendInterval, o.C)
	cd := &driver{base: base, token: token, sink: sink, http: browsers}
	if _, err := phase(cancels, o.C, func(i int) error { return cd.cancelled(ctx, channels[o.N+o.Warmup+o.Settle+o.N+i]) }); err != nil {
		return res, fmt.Errorf("resend and cancel: %w", err)
	}
	res.Cancelled = cd.steps.sorted()
	own := ownWork{acts: acts, api: apiStore, sink: sink, secret: acts.CodeSecret, admin: admin}
	alone := channels[o.N+o.Warmup+o.Settle : o.N+o.Warmup+o.Settle+o.N]
	if res.Own, err = measured(srv, o.profile("own", 1), func() (Phase, error) {
		return phase(o.N, o.C, func(i int) error { return own.removal(ctx, alone[i]) })
	}); err != nil {
		return res, fmt.Errorf("own work alone: %w", err)
	}
	res.POST, res.GET, res.WaitingGET = d.sorted()
	res.E2ESteps, res.BareSteps = d.steps.sorted(), bareSteps.sorted()
	res.Events, res.Bytes, err = medianHistorySize(ctx, tc, channels[:o.N])
	if err != nil {
		return res, err
	}
	res.BareEvents, res.BareBytes, _ = historySize(ctx, tc, fmt.Sprintf("bench-bare-%d-%d", os.Getpid(), 0))
	res.Largest, _ = largestEvent(ctx, tc, workflows.WorkflowID(channels[0].id))
	Print(o.Out, res)
	return res, nil
}

type channel struct{ id, name string }

// benchConfig is the bench stack's configuration.
var benchConfig = config.Config{AuthJWTSecret: "bench-jwt-secret", CodeSecret: "bench-code-secret", MetaGraphVersion: "v23.0"}

// benchActivities are the worker's activities as the bench runs them: on
// store, mailing to sink, unlinking at the Graph simulator at graphURL, with
// the bench's resend throttle.
func benchActivities(store *postgres.Store, sink *mailSink, graphURL string, log *slog.Logger) *activities.Activities {
	acts := app.Parts{Config: benchConfig, Store: store, Mail: sink, GraphURL: graphURL, Log: log}.Activities()
	acts.Policy.ResendInterval = resendInterval
	return acts
}

func (o Options) profile(phase string, round int) string {
	if o.CPUProfile == "" {
		return ""
	}
	return fmt.Sprintf("%s.%s.%d", o.CPUProfile, phase, round)
}

// phase runs f(0..n-1), c at a time, and measures each run and the whole.
func phase(n, c int, f func(i int) error) (Phase, error) {
	var mu sync.Mutex
	var firstErr error
	runs := make(Latencies, 0, n)
	sem := make(chan struct{}, c)
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			t0 := time.Now()
			err := f(i)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && firstErr == nil {
				firstErr = fmt.Errorf("run %d: %w", i, err)
			}
			runs = append(runs, time.Since(t0))
		}(i)
	}
	wg.Wait()
	p := Phase{Wall: time.Since(start), Runs: n, Run: runs}
	sort.Slice(p.Run, func(i, j int) bool { return p.Run[i] < p.Run[j] })
	return p, firstErr
}

// medianHistorySize is the median events and bytes of the first removals.
func medianHistorySize(ctx context.Context, tc client.Client, chs []channel) (int, int64, error) {
	var ls []int
	var bs []int64
	for i := 0; i < len(chs) && i < 25; i++ {
		n, b, err := historySize(ctx, tc, workflows.WorkflowID(chs[i].id))
		if err != nil {
			return 0, 0, err
		}
		ls, bs = append(ls, n), append(bs, b)
	}
	sort.Ints(ls)
	sort.Slice(bs, func(i, j int) bool { return bs[i] < bs[j] })
	return ls[len(ls)/2], bs[len(bs)/2], nil
}

// historySize is a closed run's history length in events and bytes.
func historySize(ctx context.Context, tc client.Client, id string) (int, int64, error) {
	for i := 0; i < 50; i++ { // the run closes just after its last update is answered
		d, err := tc.DescribeWorkflowExecution(ctx, id, "")
		if err != nil {
			return 0, 0, err
		}
		if info := d.GetWorkflowExecutionInfo(); info.GetCloseTime() != nil {
			return int(info.GetHistoryLength()), info.GetHistorySizeBytes(), nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return 0, 0, fmt.Errorf("%s did not close", id)
}

// SettleRuns is Options.Settle's default: 8 removals per pooled connection
// of the worker and of the API (postgres.PoolSize each), so that each
// connection has run each statement of a removal past the five custom plans.
const SettleRuns = 8 * postgres.PoolSize

// unmeasured runs len(channels) removals and as many bare runs, c at a time.
func unmeasured(ctx context.Context, tc client.Client, d *driver, channels []channel, c int, tag string) error {
	if _, err := phase(len(channels), c, func(i int) error { return d.removal(ctx, channels[i]) }); err != nil {
		return err
	}
	var st steps
	_, err := phase(len(channels), c, func(i int) error {
		return bareRun(ctx, tc, fmt.Sprintf("bench-bare-%s-%d-%d", tag, os.Getpid(), i), &st)
	})
	return err
}

// Print writes the table and, last, the one-line summary.
func Print(w io.Writer, r Result) {
	fmt.Fprintf(w, "\nmachine: %s; N=%d, C=%d, warm-up %d and settling %d per phase, %d round(s); worker pollers: workflow %d, activity %d, autoscale %v, no sticky %v, eager activities %v; server SQLite journal: %s\n",
		r.Machine, r.N, r.C, r.Warmup, r.Settle, len(r.RoundRatios), r.Tuning.WorkflowPollers, r.Tuning.ActivityPollers, r.Tuning.Autoscale, r.Tuning.NoSticky, r.Tuning.EagerActivities, r.Journal)
	fmt.Fprintf(w, "%-34s %8s %10s %10s %10s %10s\n", "", "runs", "wall s", "runs/s", "p50 ms", "p99 ms")
	for _, p := range []struct {
		name string
		ph   Phase
	}{{"whole removal through the API", r.E2E}, {"bare removal-shaped workflow", r.Bare}} {
		fmt.Fprintf(w, "%-34s %8d %10.1f %10.2f %10.0f %10.0f\n", p.name, p.ph.Runs, p.ph.Wall.Seconds(), p.ph.RunsPerSecond(),
			ms(p.ph.Run.P(50)), ms(p.ph.Run.P(99)))
	}
	fmt.Fprintf(w, "\n%-34s %12s %12s %12s %12s\n", "CPU ms per run", "Temporal", "this process", "Postgres", "rest")
	for _, p := range []struct {
		name string
		ph   Phase
	}{{"whole removal through the API", r.E2E}, {"bare removal-shaped workflow", r.Bare}, {"own work alone (no Temporal, HTTP)", r.Own}} {
		if p.ph.Runs == 0 {
			continue
		}
		per := func(d time.Duration) float64 { return ms(d) / float64(p.ph.Runs) }
		fmt.Fprintf(w, "%-34s %12.1f %12.1f %12.1f %12.1f\n", p.name, per(p.ph.ServerCPU), per(p.ph.SelfCPU),
			per(p.ph.PostgresCPU), per(p.ph.MachineCPU-p.ph.ServerCPU-p.ph.SelfCPU-p.ph.PostgresCPU))
	}
	// The machine's busy time per run, the runs/s ratio's steadier cousin: the
	// share of a removal's CPU that the bare shape would spend; and their
	// difference, the CPU a removal's own work costs (API, statements,
	// Postgres), which a faster or slower Temporal server leaves alone.
	if r.E2E.MachineCPU > 0 && r.Bare.Runs > 0 {
		e2e, bare := ms(r.E2E.MachineCPU)/float64(r.E2E.Runs), ms(r.Bare.MachineCPU)/float64(r.Bare.Runs)
		fmt.Fprintf(w, "machine CPU per run: %.1f ms through the API, %.1f ms bare; ratio %.2f; a removal's own work above the bare shape: %.1f ms\n", e2e, bare, bare/e2e, e2e-bare)
		// e2e ≤ bare/0.9 leaves the removal's own work a ninth of the bare shape's.
		// The Temporal server is still closing the last round's runs while the
		// own work runs alone: its CPU is not the own work's.
		if r.Own.Runs > 0 {
			alone := ms(r.Own.MachineCPU-r.Own.ServerCPU) / float64(r.Own.Runs)
			fmt.Fprintf(w, "budget for ratio 0.9: %.1f ms of own work per removal (a ninth, 11%%, of the bare shape's); its Postgres statements and activities alone take %.1f ms (%.0f%%)\n",
				bare/9, alone, 100*alone/bare)
		}
	}
	fmt.Fprintf(w, "\n%-34s %8d %10s %10s %10.1f %10.1f\n", "POST /v1/channels/{id}/removals", len(r.POST), "", "", ms(r.POST.P(50)), ms(r.POST.P(99)))
	fmt.Fprintf(w, "%-34s %8d %10s %10s %10.1f %10.1f\n", "GET /v1/removals/{id}", len(r.GET), "", "", ms(r.GET.P(50)), ms(r.GET.P(99)))
	if len(r.WaitingGET) > 0 {
		fmt.Fprintf(w, "%-34s %8d %10s %10s %10.1f %10.1f\n", "  waiting (?status=…&wait=…)", len(r.WaitingGET), "", "", ms(r.WaitingGET.P(50)), ms(r.WaitingGET.P(99)))
	}
	if len(r.WarmupPOST) > 0 {
		fmt.Fprintf(w, "%-34s %8d %10s %10s %10.1f %10.1f\n", "POST in the warm-up (cold burst)", len(r.WarmupPOST), "", "", ms(r.WarmupPOST.P(50)), ms(r.WarmupPOST.P(99)))
	}
	fmt.Fprintf(w, "\n%-34s %21s %21s\n", "where a run waits (p50 / p99 ms)", "through the API", "bare shape")
	for _, step := range stepOrder {
		e, b := r.E2ESteps[step], r.BareSteps[step]
		bare := "—"
		if len(b) > 0 {
			bare = fmt.Sprintf("%.0f / %.0f", ms(b.P(50)), ms(b.P(99)))
		}
		fmt.Fprintf(w, "%-34s %21s %21s\n", step, fmt.Sprintf("%.0f / %.0f", ms(e.P(50)), ms(e.P(99))), bare)
	}
	fmt.Fprintf(w, "\n%-34s %8s %10s %10s\n", "each admin action, answered", "n", "p50 ms", "p99 ms")
	for _, a := range []struct {
		name string
		l    Latencies
	}{{"start (preflight)", r.E2ESteps[stepStart]}, {"acknowledge (code mailed)", r.E2ESteps[stepAcknowledge]},
		{"resend code", r.Cancelled[stepResend]}, {"verify", r.E2ESteps[stepVerify]}, {"cancel", r.Cancelled[stepCancel]},
		{"read (GET, plain)", r.GET}} {
		fmt.Fprintf(w, "%-34s %8d %10.0f %10.0f\n", a.name, len(a.l), ms(a.l.P(50)), ms(a.l.P(99)))
	}
	fmt.Fprintf(w, "history per removal: %d events, %.1f KB (bare shape: %d events, %.1f KB)\n",
		r.Events, float64(r.Bytes)/1024, r.BareEvents, float64(r.BareBytes)/1024)
	fmt.Fprintf(w, "largest event of a removal's history: %d bytes (%s)\n", r.Largest.Bytes, r.Largest.Type)
	if len(r.RoundRatios) > 1 {
		var each []string
		for _, x := range r.RoundRatios {
			each = append(each, fmt.Sprintf("%.2f", x))
		}
		fmt.Fprintf(w, "ratio of each round: %s\n", strings.Join(each, ", "))
	}
	ratio := r.E2E.RunsPerSecond() / r.Bare.RunsPerSecond()
	fmt.Fprintf(w, "bench: e2e %.2f runs/s, bare %.2f runs/s, ratio %.2f, events %d, POST removals p50/p99 %.0f/%.0f ms, GET removal p50/p99 %.0f/%.0f ms\n",
		r.E2E.RunsPerSecond(), r.Bare.RunsPerSecond(), ratio, r.Events, ms(r.POST.P(50)), ms(r.POST.P(99)), ms(r.GET.P(50)), ms(r.GET.P(99)))
}

// ownDatabase creates a database next to DATABASE_URL's for this run only.
func ownDatabase(ctx context.Context, base string) (string, func(), error) {
	dsn, err := postgres.WithDatabaseName(base, fmt.Sprintf("channel_removal_bench_%d", os.Getpid()))
	if err != nil {
		return "", nil, err
	}
	if err := postgres.EnsureDatabase(ctx, dsn); err != nil {
		return "", nil, err
	}
	if os.Getenv("BENCH_KEEP_DB") != "" { // to look at pg_stat_* after a run
		fmt.Fprintf(os.Stderr, "bench: keeping database %s\n", dsn)
		return dsn, func() {}, nil
	}
	return dsn, func() { postgres.DropDatabase(context.Background(), dsn) }, nil
}
