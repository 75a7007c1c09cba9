package domain

import "time"

// The removal's transitions that the workflow decides without a step's
// outcome: what the document becomes as the run moves on, ends, gives up on
// Meta, or is told what the acknowledgement chose. Pure: the workflow hands
// its clock; AttemptPlan (meta_parts.go) is the Meta attempt's transition,
// Decided (decision.go) a recording step's.

// Next is doc in status with step, at now; doc itself is left as it was.
func (doc Removal) Next(status Status, step string, now time.Time) Removal {
	next := doc.clone()
	next.Status, next.Step, next.UpdatedAt = status, step, now
	return next
}

// Ended is the document of a run that ends in status at now.
func (doc Removal) Ended(status Status, step string, now time.Time) Removal {
	next := doc.Next(status, step, now)
	next.CompletedAt = &now
	return next
}

// LastMetaError is Meta's last error: the unsubscribe's, else the number's,
// else the credit line's, else the override's.
func (mu MetaUnlink) LastMetaError() string {
	switch {
	case mu.LastError != "":
		return mu.LastError
	case mu.Number != nil && mu.Number.LastError != "":
		return mu.Number.LastError
	case mu.CreditLine != nil && mu.CreditLine.LastError != "":
		return mu.CreditLine.LastError
	case mu.Override != nil:
		return mu.Override.LastError
	}
	return ""
}

// Abandoned is the document of a run that gives up, for good, on what it
// still owes Meta (why: the retry window closed, or ops stopped the wait):
// completed_with_warnings, each part still owed failed with why.
func (doc Removal) Abandoned(owed MetaOwed, step, why string, now time.Time) Removal {
	next := doc.Ended(StatusCompletedWithWarnings, step, now)
	if owed.Owes(doc, PartOverride) {
		next.MetaUnlink.Override = &OverrideRelease{Status: OverrideFailed, LastError: why}
	}
	if owed.Owes(doc, PartSubscription) {
		next.MetaUnlink.Status, next.MetaUnlink.LastError = UnlinkAbandoned, why
	}
	if owed.Owes(doc, PartNumber) {
		next.MetaUnlink.Number.Status, next.MetaUnlink.Number.LastError = NumberFailed, why
	}
	if owed.Owes(doc, PartCreditLine) {
		next.MetaUnlink.CreditLine = &CreditLineRelease{Status: CreditLineFailed, LastError: why}
	}
	return next
}

// AskReleaseNumber records the acknowledgement's choice about the number in
// doc; it reports whether the release is asked (false: not asked, or no
// number we may release, which a note then says).
func (doc *Removal) AskReleaseNumber(release bool) bool {
	if doc.MetaUnlink.Number != nil {
		doc.MetaUnlink.Number.Status = NumberNotRequested
	}
	if !release {
		return false
	}
	if doc.MetaUnlink.Number == nil { // no number we may release (by signal: the API refuses it)
		note := NoteNoNumberToRelease
		if doc.Impact != nil && doc.Impact.Coexistence {
			note = NoteCoexistenceNotReleased
		}
		doc.Notes = append(doc.Notes, note)
		return false
	}
	doc.MetaUnlink.Number.Status = NumberPending
	return true
}

// TombstoneOutcomes is what the tombstone leads to from doc, at now: an
// unlink owed leaves the removal removing until its first attempt; with
// nothing owed, or Meta having cut the channel off, the tombstone completes
// it; an attendance opened since the preflight rejects it. A chosen purge is
// dated that many retention days after now.
func (doc Removal) TombstoneOutcomes(releaseNumber bool, now time.Time, retentionDay time.Duration) Decided {
	dated := func(d Removal) Removal {
		if rt := d.Retention; rt != nil && rt.Status == RetentionScheduled {
			at := now.Add(time.Duration(rt.PurgeAfterDays) * retentionDay).UTC()
			rt.PurgeAt = &at
		}
		return d
	}
	notNeeded := doc.Next(StatusRemoving, "", now)
	notNeeded.MetaUnlink.Status = UnlinkNotNeeded
	lost := doc.Next(StatusRemoving, "", now)
	lost.MetaUnlink.Status = UnlinkByMeta
	lost.Notes = append(lost.Notes, NoteMetaAccessLost)
	if releaseNumber { // asked before Meta cut the channel off
		lost.MetaUnlink.Number = &NumberRelease{Status: NumberFailed, LastError: NumberNotReleasable}
	}
	return Decided{
		OutcomeUnlinkOwed:       dated(doc.Next(StatusRemoving, StatusStep(StatusRemoving), now)),
		OutcomeNothingOwed:      Complete(dated(notNeeded), now),
		OutcomeMetaAccessLost:   Complete(dated(lost), now),
		OutcomeAttendanceOpened: doc.Ended(StatusRejected, StepAttendanceOpened, now),
	}
}
