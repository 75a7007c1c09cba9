package rehearsal

import (
	"time"
)

// Row is one line of the rehearsal's table.
type Row struct {
	Phase      string
	Removals   int
	Kills      string
	Outcomes   map[string]int
	Duplicates int // effects that happened more than once
	Missing    int // effects owed that did not happen
	Took       time.Duration
	Note       string
	// Contrast: a phase that shows what goes wrong without a safeguard.
	Contrast bool
}

// Result is what the rehearsal found.
type Result struct {
	Persistence, Visibility string
	Rows                    []Row
	OneWorker, TwoWorkers   float64 // removals per second
	SurvivorFailures        int     // non-200 answers from the API left standing
	SurvivorReads           int
	Share                   map[string]int // workflow tasks per worker after the restarts
	Batch                   BatchReport
	OpsList, CLICount       string
	// MTLS is how the server refused clients without our CA's certificate.
	MTLS    []string
	WorkDir string
	// Deploys are the deploy phases: versioned, then the unversioned contrast.
	Deploys []DeployReport
	// Rotation is the codec key's rotation with removals waiting across it.
	Rotation *RotationReport
}

// BatchReport is `ops retry-unlinks --all` over the removals left with warnings.
type BatchReport struct {
	Removals  int
	JobID     string
	JobLine   string        // what ops printed when the job ended
	Signalled int           // the job's own count
	JobTook   time.Duration // the job's start to close, as Temporal recorded it
	Completed int           // removals ops saw completed afterwards
	Took      time.Duration // the whole command
}
