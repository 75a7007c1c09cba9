package domain

import (
	"fmt"
	"time"
)

// A Meta call's intent: written before a Graph call that unlinks, releases
// or revokes, settled with Meta's answer after it (migration 20). Keyed by
// the attempt (MetaCallKey), which a reset and the activity's retries keep.

// MetaCallStatus is where a Meta call's intent stands.
type MetaCallStatus string

const (
	// MetaCallOpen: the call may be in flight, or its worker died mid-call;
	// its fate is unknown until a try settles it.
	MetaCallOpen MetaCallStatus = "open"
	// MetaCallDone: Meta answered success (or "already gone").
	MetaCallDone MetaCallStatus = "done"
	// MetaCallFailed: Meta answered a failure (classified, kept in the answer).
	MetaCallFailed MetaCallStatus = "failed"
	// MetaCallAbandoned: the run closed while the call was open, and nothing
	// will try it again (the reconciler abandons the run's jobs).
	MetaCallAbandoned MetaCallStatus = "abandoned"
)

// Name is the part's name in a Meta call's key and in ops' listing.
func (p MetaPart) Name() string {
	switch p {
	case PartOverride:
		return "override"
	case PartSubscription:
		return "subscription"
	case PartNumber:
		return "number"
	case PartCreditLine:
		return "credit_line"
	}
	return fmt.Sprintf("part_%d", int(p))
}

// MetaCallKey is the key of attempt n at part p of a removal's run (the
// first run, which a reset keeps).
func MetaCallKey(removalID, runID string, p MetaPart, n int) string {
	return fmt.Sprintf("%s/%s/%s/%d", removalID, runID, p.Name(), n)
}

// MetaCall is one intent as ops read it.
type MetaCall struct {
	Key        string         `db:"key"`
	RemovalID  string         `db:"removal_id"`
	RunID      string         `db:"run_id"`
	Part       string         `db:"part"`
	Attempt    int            `db:"attempt"`
	Status     MetaCallStatus `db:"status"`
	Calls      int            `db:"calls"`
	OpenedAt   time.Time      `db:"opened_at"`
	LeaseUntil time.Time      `db:"lease_until"`
	// LeaseLeft: the try holding it may still be calling Meta (false: its
	// worker is gone, and the next try takes it over).
	LeaseLeft bool `db:"lease_left"`
}

// MetaCallClaim is what a try finds when it claims an attempt's call.
type MetaCallClaim struct {
	// Mine: the try holds the call and makes it (Calls > 1: it took over
	// an intent whose worker died mid-call).
	Mine  bool
	Calls int
	// Settled: Meta answered an earlier try (or another attempt of the part
	// was done); Answer is that answer, as the try that got it kept it.
	Settled bool
	Status  MetaCallStatus
	Answer  []byte
	// HeldUntil: another try holds the call until then (neither Mine nor Settled).
	HeldUntil time.Time
}
