package rehearsal

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/crm/channel-removal/internal/devtools/temporaldev"
)

// Duplicates is the sum of the duplicate effects of every phase but the
// contrasts (which show what fails without a safeguard).
func (r *Result) Duplicates() int {
	n := 0
	for _, row := range r.Rows {
		if !row.Contrast {
			n += row.Duplicates
		}
	}
	return n
}

// Missing is the sum of the missing effects of every phase but the contrasts.
func (r *Result) Missing() int {
	n := 0
	for _, row := range r.Rows {
		if !row.Contrast {
			n += row.Missing
		}
	}
	return n
}

// Print writes the rehearsal's table and the lines under it.
func Print(w io.Writer, r *Result) {
	fmt.Fprintf(w, "rehearsal: Temporal server %s, persistence %s, visibility %s; 2 workers and 2 APIs of the production binary\n\n",
		temporaldev.ServerVersion, r.Persistence, r.Visibility)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "PHASE\tREMOVALS\tKILLS\tOUTCOMES\tDUPLICATE EFFECTS\tMISSING EFFECTS\tTOOK\tNOTE")
	total := 0
	for _, row := range r.Rows {
		if !row.Contrast {
			total += row.Removals
		}
		note := row.Note
		if note == "" {
			note = "—"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%d\t%s\t%s\n", row.Phase, row.Removals, row.Kills, outcomesText(row.Outcomes),
			row.Duplicates, row.Missing, row.Took.Round(100*time.Millisecond), note)
	}
	fmt.Fprintf(tw, "total (contrasts apart)\t%d\t\t\t%d\t%d\t\t\n", total, r.Duplicates(), r.Missing())
	tw.Flush()
	fmt.Fprintln(w)
	if r.OneWorker > 0 && r.TwoWorkers > 0 {
		fmt.Fprintf(w, "throughput: 1 worker %.2f removals/s, 2 workers %.2f removals/s (x%.2f)\n", r.OneWorker, r.TwoWorkers, r.TwoWorkers/r.OneWorker)
	}
	if len(r.MTLS) > 0 {
		fmt.Fprintf(w, "Temporal over mTLS (a CA made at the start): every process presents its certificate; a client with %s\n", strings.Join(r.MTLS, ", "))
	}
	if r.SurvivorReads > 0 {
		fmt.Fprintf(w, "surviving API during the kills: %d reads, %d not answered 200\n", r.SurvivorReads, r.SurvivorFailures)
	}
	if len(r.Share) > 0 {
		fmt.Fprintf(w, "after the restarts, tasks per worker: %v\n", r.Share)
	}
	if r.OpsList != "" {
		fmt.Fprintf(w, "ops list --status completed: %s; temporal workflow count RemovalStatus='completed': %s\n", r.OpsList, r.CLICount)
	}
	if r.Batch.Removals > 0 {
		fmt.Fprintf(w, "ops retry-unlinks --all: %d removals in completed_with_warnings; batch job %s signalled %d in %s; %d completed; the command took %s\n",
			r.Batch.Removals, r.Batch.JobID, r.Batch.Signalled, r.Batch.JobTook.Round(100*time.Millisecond), r.Batch.Completed, r.Batch.Took.Round(100*time.Millisecond))
	}
	if k := r.Rotation; k != nil {
		fmt.Fprintf(w, "codec key k1 → k2: %d removals waiting across it, %d new; every process restarted with k1,k2 then k2,k1 in %s\n",
			k.Waiting, k.New, k.Roll.Round(time.Second))
		fmt.Fprintf(w, "  raw histories (no codec): payloads written before any process encrypted with k2: %s; after every process did: %s; runs holding both keys: %d; workflow tasks failed: %d\n",
			keysText(k.Before), keysText(k.After), k.Mixed, k.TaskFailures)
		fmt.Fprintf(w, "  an API with TEMPORAL_CODEC_KEY=k2 alone, its codec server asked to decode a k1 payload: %s\n", k.K2Only)
		fmt.Fprintf(w, "  a run that waited across it, replayed as a worker would: with k2 alone: %s; with k2,k1: %s\n", k.ReplayK2Only, k.ReplayBoth)
	}
	for _, d := range r.Deploys {
		kind := "unversioned (contrast)"
		if d.Versioned {
			kind = "versioned"
		}
		fmt.Fprintf(w, "deploy %s, build A %s → build B %s: %s\n", kind, d.BuildA, d.BuildB, d.note())
		if d.Draining != "" {
			fmt.Fprintf(w, "ops versions right after the switch, A's removals still open:\n%s", d.Draining)
		}
		if d.Versions != "" {
			fmt.Fprintf(w, "ops versions once A was drained, before its workers stopped:\n%s", d.Versions)
		}
	}
	fmt.Fprintf(w, "logs: %s\n", r.WorkDir)
}
