package ops

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/crm/channel-removal/domain"
)

// Reconciled is one record the reconciler ended (app.Reconciler): a run
// closed in Temporal without writing its end, and what its record became.
type Reconciled struct {
	Kind      string // "removal", "purge", or a restarted "notice" or "delivery"
	ID        string // the workflow id
	RunID     string // the run Temporal described ("" for a purge: its latest)
	ChannelID string
	RunClosed string // how Temporal says the run closed
	From, To  string // the status before and after
}

// PrintReconciled writes what `ops reconcile` changed, one line each, then a
// total (and the rows left alone because Temporal does not know their run).
func PrintReconciled(w io.Writer, rs []Reconciled, unknown int) {
	if len(rs) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tWORKFLOW\tRUN\tRUN CLOSED\tFROM\tTO")
		for _, r := range rs {
			run := r.RunID
			if run == "" {
				run = "(latest)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Kind, r.ID, run, r.RunClosed, r.From, r.To)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "reconciled %d record(s) of runs closed in Temporal without their end", len(rs))
	if unknown > 0 {
		fmt.Fprintf(w, "; %d left alone: Temporal does not know their run (retention passed; see the worker's log)", unknown)
	}
	fmt.Fprintln(w)
}

// PrintMetaCalls writes the Meta calls still open, oldest first: IN FLIGHT
// while the try that holds one may still be calling Meta; WORKER LOST once
// its lease passed (the attempt's next try calls again).
func PrintMetaCalls(w io.Writer, calls []domain.MetaCall, now time.Time) {
	if len(calls) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "REMOVAL\tRUN\tPART\tATTEMPT\tCALLS\tOPEN FOR\tSTATE")
		for _, c := range calls {
			state := "in flight"
			if !c.LeaseLeft {
				state = "worker lost"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", c.RemovalID, c.RunID, c.Part, c.Attempt, c.Calls,
				now.Sub(c.OpenedAt).Round(time.Second), state)
		}
		tw.Flush()
	}
	fmt.Fprintf(w, "%d Meta call(s) open\n", len(calls))
}
