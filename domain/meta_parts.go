package domain

import "time"

// What the tombstone leaves owed to Meta, part by part, and the one
// transition of an attempt at a part: what the removal's document becomes
// for each way the attempt can end. The workflow hands the attempt its
// document and plan; the activity records the document After gives for the
// outcome it saw, and the workflow takes the same (one author: this file).

// MetaPart is one thing owed to Meta, settled in this order: the callback
// override our app set on the number (cleared while our app still has
// access), the app's subscription (with it the WABA's override), the
// number's release (asked for by the admin), the WABA's share of our credit
// line (last: we stay liable for the WABA's spend until it is revoked, and
// nothing before it needs it).
type MetaPart int

const (
	PartOverride MetaPart = iota
	PartSubscription
	PartNumber
	PartCreditLine
)

// MetaParts are the parts in the order they are settled.
var MetaParts = []MetaPart{PartOverride, PartSubscription, PartNumber, PartCreditLine}

// MetaOwed is what the tombstone left owed to Meta.
type MetaOwed struct {
	Override     bool `json:"override,omitempty"`
	Subscription bool `json:"subscription,omitempty"`
	Number       bool `json:"number,omitempty"`
	// WABAOverride: our app had an override on the WABA; it goes with the subscription.
	WABAOverride bool `json:"waba_override,omitempty"`
	// CreditLine: the WABA shares our credit line (credit_line.go).
	CreditLine bool `json:"credit_line,omitempty"`
}

// Owes says whether part p is still owed, as doc shows it.
func (o MetaOwed) Owes(doc Removal, p MetaPart) bool {
	mu := doc.MetaUnlink
	switch p {
	case PartOverride:
		return o.Override && (mu.Override == nil || mu.Override.Status != OverrideCleared && mu.Override.Status != OverrideNotOurs)
	case PartSubscription:
		return o.Subscription && mu.Status != UnlinkDone && mu.Status != UnlinkSkipped
	case PartCreditLine:
		return o.CreditLine && (mu.CreditLine == nil || mu.CreditLine.Status != CreditLineRevoked && mu.CreditLine.Status != CreditLineKept)
	}
	return o.Number && mu.Number != nil && mu.Number.Status != NumberReleased
}

// OwesAny says whether any part is still owed; besides, one other than p.
func (o MetaOwed) OwesAny(doc Removal, besides ...MetaPart) bool {
	for _, q := range MetaParts {
		if (len(besides) == 0 || q != besides[0]) && o.Owes(doc, q) {
			return true
		}
	}
	return false
}

// Facts of a failed attempt at p, where p's part of the document shows them.
func (p MetaPart) Facts(metaError string) Facts {
	switch p {
	case PartOverride:
		return Facts{OverrideError: metaError}
	case PartNumber:
		return Facts{NumberError: metaError}
	case PartCreditLine:
		return Facts{CreditLineError: metaError}
	}
	return Facts{UnlinkError: metaError}
}

// AttemptPlan is what decides an attempt's document besides its outcome
// and the removal's document: the part, whether it is the last automatic
// attempt (a transient failure then waits for ops), the subscription's
// attempts so far, what is owed, and when the workflow decided (At). It is
// an attempt's whole input besides ids: the activity reads the document
// from the read model, the workflow has it (both run From, then After).
type AttemptPlan struct {
	Part           MetaPart  `json:"part"`
	Last           bool      `json:"last,omitempty"`
	UnlinkAttempts int       `json:"unlink_attempts,omitempty"`
	Owed           MetaOwed  `json:"owed"`
	At             time.Time `json:"at"`
}

// From is doc unlinking at the plan's time: the removal while Meta is
// called, each part still owed shown pending.
func (pl AttemptPlan) From(doc Removal) Removal {
	doc = doc.clone()
	doc.Status, doc.Step, doc.UpdatedAt = StatusUnlinking, StatusStep(StatusUnlinking), pl.At
	if pl.Owed.Owes(doc, PartSubscription) {
		doc.MetaUnlink.Status = UnlinkUnlinking
	}
	if pl.Owed.Override && doc.MetaUnlink.Override == nil {
		doc.MetaUnlink.Override = &OverrideRelease{Status: OverridePending}
	}
	if pl.Owed.CreditLine && doc.MetaUnlink.CreditLine == nil {
		doc.MetaUnlink.CreditLine = &CreditLineRelease{Status: CreditLinePending}
	}
	if pl.Owed.Number && doc.MetaUnlink.Number == nil { // asked with the acknowledgement: the run's row shows it
		doc.MetaUnlink.Number = &NumberRelease{Status: NumberPending}
	}
	return doc
}

// After is the document an attempt at the plan's part leads to from doc
// (the removal unlinking, From) for outcome o with the
// attempt's facts; ok is false for an outcome the part cannot have (the
// step then moves nothing). Its times are doc's (when the workflow decided).
func (pl AttemptPlan) After(doc Removal, o Outcome, f Facts) (Removal, bool) {
	doc = doc.clone()
	switch o {
	case OutcomeDone, OutcomeKept:
		if o == OutcomeKept && pl.Part == PartNumber { // a release asked for is never kept
			return Removal{}, false
		}
		doc = pl.settled(doc, o)
	case OutcomeTransient:
		doc = pl.failed(doc, pl.Last)
	case OutcomePermanent:
		doc = pl.failed(doc, true)
	default:
		return Removal{}, false
	}
	f.Apply(&doc)
	return doc, true
}

// settled: the part is done, or kept (another live channel keeps the WABA's
// subscription, another app's override is left alone); with nothing else
// owed the removal is completed.
func (pl AttemptPlan) settled(doc Removal, o Outcome) Removal {
	mu := &doc.MetaUnlink
	switch pl.Part {
	case PartOverride:
		mu.Override = &OverrideRelease{Status: OverrideCleared}
		if o == OutcomeKept {
			mu.Override.Status = OverrideNotOurs
			doc.Notes = append(doc.Notes, NoteOverrideNotOurs)
		}
	case PartSubscription:
		mu.Status, mu.Attempts, mu.LastError = UnlinkDone, pl.UnlinkAttempts, ""
		if pl.Owed.WABAOverride {
			mu.WABAOverride = WABAOverrideRemoved
		}
		if o == OutcomeKept {
			mu.Status = UnlinkSkipped
			doc.Notes = append(doc.Notes, NoteWABAShared)
			if pl.Owed.WABAOverride {
				mu.WABAOverride = WABAOverrideKept
			}
		}
	case PartNumber:
		mu.Number.Status, mu.Number.LastError = NumberReleased, ""
	case PartCreditLine:
		mu.CreditLine = &CreditLineRelease{Status: CreditLineRevoked}
		if o == OutcomeKept {
			mu.CreditLine.Status = CreditLineKept
			doc.Notes = append(doc.Notes, NoteCreditLineKept)
		}
	}
	if !pl.Owed.OwesAny(doc, pl.Part) {
		return Complete(doc, doc.UpdatedAt)
	}
	return doc
}

// failed: still unlinking while automatic attempts remain, else
// completed_with_warnings, waiting for ops.
func (pl AttemptPlan) failed(doc Removal, needsOps bool) Removal {
	if pl.Part == PartSubscription {
		doc.MetaUnlink.Attempts = pl.UnlinkAttempts
	}
	if !needsOps {
		return doc
	}
	doc.Status, doc.Step = StatusCompletedWithWarnings, StatusStep(StatusCompletedWithWarnings)
	switch pl.Part {
	case PartOverride:
		doc.MetaUnlink.Override = &OverrideRelease{Status: OverrideFailed}
	case PartSubscription:
		doc.MetaUnlink.Status = UnlinkFailed
	case PartNumber:
		doc.MetaUnlink.Number.Status = NumberFailed
	case PartCreditLine:
		doc.MetaUnlink.CreditLine = &CreditLineRelease{Status: CreditLineFailed}
	}
	return doc
}

// Complete is doc once nothing is owed any more: completed at now, with a
// WhatsApp Business API channel's note on its number and, unless it is in
// coexistence, what taking it elsewhere needs (number_move.go).
func Complete(doc Removal, now time.Time) Removal {
	if doc.Impact != nil && doc.Impact.Kind == KindWhatsAppCloud {
		doc.Notes = append(doc.Notes, CompletedNote(doc.MetaUnlink.Number))
	}
	if NumberMoveApplies(doc.Impact) {
		doc.Notes = append(doc.Notes, NoteNumberMove)
	}
	doc.Status, doc.Step, doc.UpdatedAt, doc.CompletedAt = StatusCompleted, StatusStep(StatusCompleted), now, &now
	return doc
}

// clone copies doc deep enough that changing the copy's notes and Meta
// parts leaves doc as it was.
func (doc Removal) clone() Removal {
	c := doc
	c.Notes = append([]string{}, doc.Notes...)
	if n := doc.MetaUnlink.Number; n != nil {
		number := *n
		c.MetaUnlink.Number = &number
	}
	if o := doc.MetaUnlink.Override; o != nil {
		override := *o
		c.MetaUnlink.Override = &override
	}
	if cl := doc.MetaUnlink.CreditLine; cl != nil {
		credit := *cl
		c.MetaUnlink.CreditLine = &credit
	}
	if rt := doc.Retention; rt != nil {
		retention := *rt
		c.Retention = &retention
	}
	return c
}
