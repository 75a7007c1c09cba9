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
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

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
	Stack     string // what the API and worker carry (Options.Plain)
	N, C      int
	Tuning    worker.Tuning
	Journal   temporaldev.Journal
}

// Run starts the stack on free ports with a database of its own, runs both
// phases and prints the table and the last line.
func Run(ctx context.Context, o Options) (Result, error) {
	o.defaults()
	host, _ := os.Hostname()
	res := Result{N: o.N, C: o.C, Warmup: o.Warmup, Settle: o.Settle, Tuning: o.Tuning, Journal: o.Journal, Machine: fmt.Sprintf("%s, %d CPU, %s", host, runtime.NumCPU(), runtime.Version())}
	o.Tuning.Apply()
	o.Tuning.Version.Promote = worker.PromoteAlways // its own server: the one build
	s, err := startStack(ctx, o)
	if err != nil {
		return res, err
	}
	defer s.close()
	res.Stack = s.with.describe()
	srv, tc := s.srv, s.bareTC // Run itself drives the bare shape; the API and worker have s.tc

	// The channels of the measured removals, the warm-up's, the settling's,
	// those whose own work is measured alone, then those of the removals
	// that resend and cancel.
	cancels := max(o.C, o.N/5)
	fmt.Fprintf(o.Out, "bench: seeding %d channels ...\n", o.N+o.Warmup+o.Settle)
	channels, err := s.seedChannels(o.N + o.Warmup + o.Settle + o.N + cancels)
	if err != nil {
		return res, err
	}
	base, token, sink := s.base, s.token, s.sink

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
	own := ownWork{acts: s.acts, api: s.apiStore, sink: sink, secret: s.acts.CodeSecret, admin: s.admin}
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

// Print writes the table and, last, the one-line summary.
func Print(w io.Writer, r Result) {
	fmt.Fprintf(w, "\nmachine: %s; N=%d, C=%d, warm-up %d and settling %d per phase, %d round(s); worker pollers: workflow %d, activity %d, autoscale %v, no sticky %v, eager activities %v; server SQLite journal: %s\n",
		r.Machine, r.N, r.C, r.Warmup, r.Settle, len(r.RoundRatios), r.Tuning.WorkflowPollers, r.Tuning.ActivityPollers, r.Tuning.Autoscale, r.Tuning.NoSticky, r.Tuning.EagerActivities, r.Journal)
	if r.Stack != "" {
		fmt.Fprintf(w, "stack: %s; the bare shape's client plain\n", r.Stack)
	}
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
