package rehearsal

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
)

// alternating: start on one API, acknowledge and verify on the other, wait
// on either; bearer tokens and the session cookie on both.
func (r *rig) alternating(ctx context.Context) error {
	chs := r.take(r.o.Removals)
	if err := r.alternate(ctx, "alternating APIs", chs, "—"); err != nil {
		return err
	}
	share, err := r.share(ctx, chs)
	r.logf("  tasks per worker: %v", share)
	return err
}

func (r *rig) alternate(ctx context.Context, phase string, chs []channel, kills string) error {
	r.logf("%s: %d removals, %d at a time...", phase, len(chs), r.o.Concurrency)
	out, took, err := many(chs, r.o.Concurrency, func(i int, ch channel) (string, error) {
		return r.admin.removal(ctx, r.fleet.apiURLs, ch, i%2, (i/2)%2, auth(i/4%2))
	})
	if err != nil {
		return fmt.Errorf("%s: %w", phase, err)
	}
	return r.row(ctx, Row{Phase: phase, Removals: len(chs), Kills: kills, Outcomes: out, Took: took}, chs)
}

// afterRestarts: the same alternating load once every killed process is
// back; each worker's share is counted from the runs' histories.
func (r *rig) afterRestarts(ctx context.Context) error {
	chs := r.take(r.o.AfterRestarts)
	if err := r.alternate(ctx, "after the restarts", chs, "—"); err != nil {
		return err
	}
	share, err := r.share(ctx, chs)
	if err != nil {
		return err
	}
	r.res.Share = share
	for _, w := range r.fleet.workers {
		if share[w.name] == 0 {
			return fmt.Errorf("after the restarts %s took no task (%v)", w.name, share)
		}
	}
	return nil
}

// share counts the workflow and activity tasks of chs' removals per worker.
func (r *rig) share(ctx context.Context, chs []channel) (map[string]int, error) {
	share := map[string]int{}
	for _, ch := range chs {
		it := r.tc.GetWorkflowHistory(ctx, removalID(ch), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return nil, err
			}
			if a := e.GetWorkflowTaskStartedEventAttributes(); a != nil {
				share[r.fleet.workerOf(a.GetIdentity())]++
			}
			if a := e.GetActivityTaskStartedEventAttributes(); a != nil {
				share[r.fleet.workerOf(a.GetIdentity())]++
			}
		}
	}
	return share, nil
}

// throughput: the same load on one worker, then on two.
func (r *rig) throughput(ctx context.Context) error {
	r.fleet.workers[1].stop()
	rate := func(label string, into *float64) error {
		chs := r.take(r.o.Throughput)
		r.logf("throughput with %s: %d removals, %d at a time...", label, len(chs), r.o.Concurrency)
		out, took, err := many(chs, r.o.Concurrency, func(i int, ch channel) (string, error) {
			return r.admin.removal(ctx, r.fleet.apiURLs, ch, i%2, (i+1)%2, bearer)
		})
		if err != nil {
			return err
		}
		*into = float64(len(chs)) / took.Seconds()
		return r.row(ctx, Row{Phase: "throughput, " + label, Removals: len(chs), Kills: "—", Outcomes: out, Took: took,
			Note: fmt.Sprintf("%.2f removals/s", *into)}, chs)
	}
	if err := rate("1 worker", &r.res.OneWorker); err != nil {
		return err
	}
	if err := r.fleet.startWorker(ctx, 1); err != nil {
		return err
	}
	return rate("2 workers", &r.res.TwoWorkers)
}
