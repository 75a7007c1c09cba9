package domain

import "time"

// The workflow is the one author of a removal's document: its status, notes
// and meta_unlink. Before a step that records, it decides what the document
// becomes for each way the step can end (Decided); the step reports which
// outcome happened and what it found (Facts), and records that document whole
// with its audit record, in one statement. Afterwards the workflow takes the
// same document (Decided.For), so the read model and the workflow never
// disagree, and no other code moves a status.

// Outcome names how a step ended, as the step reports it.
type Outcome string

const (
	// The preflight.
	OutcomePassed   Outcome = "passed"
	OutcomeRejected Outcome = "rejected"
	// The code e-mail (first send or resend).
	OutcomeCodeSent Outcome = "code_sent"
	// The code check. An expired code or a lock writes no document of its
	// own: the record that ends the run follows.
	OutcomeVerified  Outcome = "verified"
	OutcomeWrongCode Outcome = "wrong_code"
	// The tombstone: an unlink is owed, nothing is owed, Meta had cut the
	// channel off, or an attendance opened since the preflight.
	OutcomeUnlinkOwed       Outcome = "unlink_owed"
	OutcomeNothingOwed      Outcome = "nothing_owed"
	OutcomeMetaAccessLost   Outcome = "meta_access_lost"
	OutcomeAttendanceOpened Outcome = "attendance_opened"
	// One attempt at Meta (the unsubscribe or the number's release): done
	// (unsubscribed, already gone, released), kept for a sibling channel,
	// failed for now, failed for good.
	OutcomeDone      Outcome = "done"
	OutcomeKept      Outcome = "kept"
	OutcomeTransient Outcome = "transient"
	OutcomePermanent Outcome = "permanent"
	// A step with one way to end (an audit record the workflow writes).
	OutcomeRecorded Outcome = "recorded"
)

// Decided is the document the workflow decided for each outcome of a step.
type Decided map[Outcome]Removal

// One is a step with one outcome.
func One(doc Removal) Decided { return Decided{OutcomeRecorded: doc} }

// For is the document decided for outcome o with the step's facts; ok is
// false when the workflow decided none (the step then moves nothing).
func (d Decided) For(o Outcome, f Facts) (Removal, bool) {
	doc, ok := d[o]
	if !ok {
		return Removal{}, false
	}
	f.Apply(&doc)
	return doc, true
}

// Facts are what a step found, shown in the document as found: who owns the
// channel and its impact (preflight), where the code went and until when
// (code e-mail), the attempts left (code check), the attendances opened since
// the preflight (tombstone), Meta's error (an attempt).
// A fact is never a decision: no status, note or meta_unlink status.
type Facts struct {
	AccountID string   `json:"account_id,omitempty"`
	Impact    *Impact  `json:"impact,omitempty"`
	Reasons   []Reason `json:"reasons,omitempty"`
	// ActiveAttendances: those the tombstone found opened since the preflight.
	ActiveAttendances []Attendance `json:"active_attendances,omitempty"`
	CodeSentTo        string       `json:"code_sent_to,omitempty"`
	CodeExpiresAt     *time.Time   `json:"code_expires_at,omitempty"`
	AttemptsLeft      *int         `json:"attempts_left,omitempty"`
	// UnlinkError, NumberError and OverrideError are Meta's answer to an
	// attempt that failed.
	UnlinkError   string `json:"unlink_error,omitempty"`
	NumberError   string `json:"number_error,omitempty"`
	OverrideError string `json:"override_error,omitempty"`
	// CreditLineError: Meta's answer to a failed revocation of our credit line.
	CreditLineError string `json:"credit_line_error,omitempty"`
}

// Apply shows the facts in doc.
func (f Facts) Apply(doc *Removal) {
	if f.AccountID != "" {
		doc.AccountID = f.AccountID
	}
	if f.Impact != nil {
		impact := *f.Impact
		doc.Impact = &impact
		// What the impact implies, not a decision: the alert offers the
		// number's release, not yet asked for.
		if doc.MetaUnlink.Number == nil && NumberReleaseOffered(impact.Kind, impact.Disconnected, impact.Coexistence) {
			doc.MetaUnlink.Number = &NumberRelease{Status: NumberNotRequested}
		}
	}
	if f.ActiveAttendances != nil && doc.Impact != nil {
		impact := *doc.Impact
		impact.ActiveAttendances = f.ActiveAttendances
		doc.Impact = &impact
	}
	if f.Reasons != nil {
		doc.Reasons = f.Reasons
	}
	if f.CodeSentTo != "" {
		doc.CodeSentTo = f.CodeSentTo
	}
	if f.CodeExpiresAt != nil {
		doc.CodeExpiresAt = f.CodeExpiresAt
	}
	if f.AttemptsLeft != nil {
		doc.AttemptsLeft = *f.AttemptsLeft
	}
	if f.UnlinkError != "" {
		doc.MetaUnlink.LastError = f.UnlinkError
	}
	if f.NumberError != "" && doc.MetaUnlink.Number != nil {
		n := *doc.MetaUnlink.Number
		n.LastError = f.NumberError
		doc.MetaUnlink.Number = &n
	}
	if f.OverrideError != "" && doc.MetaUnlink.Override != nil {
		o := *doc.MetaUnlink.Override
		o.LastError = f.OverrideError
		doc.MetaUnlink.Override = &o
	}
	if f.CreditLineError != "" && doc.MetaUnlink.CreditLine != nil {
		c := *doc.MetaUnlink.CreditLine
		c.LastError = f.CreditLineError
		doc.MetaUnlink.CreditLine = &c
	}
}

// Final reports whether the document ends the run's read-model row: a
// finished run's row never moves again.
func (r Removal) Final() bool { return r.CompletedAt != nil }
