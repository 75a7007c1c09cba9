package bench

import (
	"context"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
)

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
