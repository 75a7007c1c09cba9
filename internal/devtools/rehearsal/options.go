package rehearsal

import "io"

// Options size the rehearsal.
type Options struct {
	Removals int // through both APIs alternately, before the kills
	// AfterRestarts are the removals once the killed processes are back.
	// Matching hands a task to the poller that has waited longest, so the
	// worker that was never killed takes the first few dozen; enough
	// removals show the restarted one taking its share.
	AfterRestarts int
	Concurrency   int    // removals at a time in every phase
	Throughput    int    // removals in each of the one-worker and two-worker phases
	Warnings      int    // removals left in completed_with_warnings for `ops retry-unlinks --all`
	Postgres      string // any database URL of the local Postgres; the rehearsal creates its own databases
	Prefix        string // of those databases' names
	Binary        string // the production binary (built with -tags nodev)
	// BinaryB is build B of the deploy phases: the same source with a step
	// added to the workflow's commands (-tags nodev,rehearsal_b). Empty:
	// the deploy phases are skipped.
	BinaryB string
	// Deploy is how many removals each deploy phase, and the codec key's
	// rotation, leaves waiting at the alert, at the code and in
	// completed_with_warnings, and starts anew.
	Deploy   int
	WorkDir  string // logs and the server's configuration
	Progress io.Writer
}

func (o *Options) defaults() {
	if o.Removals <= 0 {
		o.Removals = 20
	}
	if o.AfterRestarts <= 0 {
		o.AfterRestarts = 40
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 5
	}
	if o.Throughput <= 0 {
		o.Throughput = 40
	}
	if o.Warnings <= 0 {
		o.Warnings = 500
	}
	if o.Postgres == "" {
		o.Postgres = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	if o.Deploy <= 0 {
		o.Deploy = 5
	}
	if o.Prefix == "" {
		o.Prefix = "rehearsal"
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}
