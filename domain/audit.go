package domain

import "time"

// AuditEntry is one append-only record of a removal step. Writing it also
// moves the run's row in the removals read model (StatusAfterAudit).
type AuditEntry struct {
	RemovalID string
	RunID     string
	AccountID string
	ChannelID string
	Actor     Actor
	Action    Action
	Detail    map[string]any
	// Key makes the write idempotent: an activity retry records its step once.
	Key string
	// Status overrides StatusAfterAudit for the removals read model.
	Status Status
	// Doc holds fields of the removal document this step sets (merged into
	// the read model's document, key by key).
	Doc map[string]any
}

// Tombstone identifies the removal that tombstones a channel.
type Tombstone struct {
	ChannelID string
	RemovalID string
	RunID     string
	Actor     Actor
	Now       time.Time
	// FinishIfNothingOwed also writes removal_completed when no unlink is owed.
	FinishIfNothingOwed bool
	// ReleaseNumber: the admin asked to release the phone number; the
	// tombstone hands it, with the token, to a number_releases job.
	ReleaseNumber bool
}

// TombstoneResult says what the tombstone did.
type TombstoneResult struct {
	AlreadyRemoved     bool
	DetachedReferences int
	// UnlinkPending: a Meta unlink is owed (the token moved to the unlink job).
	UnlinkPending bool
	// MetaAccessLost: Meta had cut the channel off; nothing was owed to it.
	MetaAccessLost bool
}

// Unlink is the Meta unlink owed by a removal run. AccessToken is the sealed
// channel token, empty once the unlink is settled.
type Unlink struct {
	RemovalID   string
	RunID       string
	ChannelID   string
	ObjectKind  string
	ObjectID    string
	AccessToken string
	Status      UnlinkStatus
	Attempts    int
	LastError   string
	// OtherLiveChannels counts, for a WABA, the other live channels that
	// use it, as read with the job.
	OtherLiveChannels int
	// The number's release, read with the job ("" status: not asked for).
	NumberPhoneID   string
	NumberToken     string
	NumberStatus    NumberStatus
	NumberAttempts  int
	NumberLastError string
}

// UnlinkStatus is what became of the Meta unsubscribe (meta_unlink.status,
// and the unlink job's row).
type UnlinkStatus string

const (
	UnlinkNotStarted UnlinkStatus = "not_started" // the tombstone has not run
	UnlinkNotNeeded  UnlinkStatus = "not_needed"  // no official integration to unlink
	UnlinkUnlinking  UnlinkStatus = "unlinking"   // the unsubscribe is being tried
	UnlinkPending    UnlinkStatus = "pending"     // the job's row: owed, not settled
	UnlinkDone       UnlinkStatus = "unlinked"
	UnlinkSkipped    UnlinkStatus = "skipped" // another live channel still uses the WABA
	UnlinkFailed     UnlinkStatus = "failed"  // permanent failure; ops may retry
	UnlinkAbandoned  UnlinkStatus = "abandoned"
	// UnlinkByMeta: Meta had cut the channel off; nothing was owed (SPEC §7).
	UnlinkByMeta UnlinkStatus = "unlinked_by_meta"
)

// TombstoneRecords are the audit records of a tombstone, written in its
// statement: channel_removed and, when no Meta unlink is owed and the step
// ends the removal, removal_completed.
func TombstoneRecords(in Tombstone, ch Channel, unlinkOwed bool, detachedRefs int) []AuditEntry {
	doc := removedDoc(unlinkOwed, ch.Status == ChannelDisconnected)
	if doc != nil && ch.Status == ChannelDisconnected && in.ReleaseNumber {
		doc["number_release"] = NumberRelease{Status: NumberFailed, LastError: NumberNotReleasable}
	}
	detail := map[string]any{"detached_references": detachedRefs, "unlink_pending": unlinkOwed}
	if ch.Status == ChannelDisconnected {
		detail["meta_access_lost"] = true
	}
	records := []AuditEntry{{
		RemovalID: in.RemovalID, RunID: in.RunID, AccountID: ch.AccountID, ChannelID: ch.ID, Actor: in.Actor,
		Action: ActionChannelRemoved, Key: in.RemovalID + "/" + in.RunID + "/channel_removed",
		Detail: detail,
		Doc:    doc,
	}}
	if !unlinkOwed && in.FinishIfNothingOwed {
		records = append(records, AuditEntry{
			RemovalID: in.RemovalID, RunID: in.RunID, AccountID: ch.AccountID, ChannelID: ch.ID, Actor: in.Actor,
			Action: ActionRemovalCompleted, Key: in.RemovalID + "/" + in.RunID + "/removal_completed", Doc: doc})
	}
	return records
}

// removedDoc: with no unlink owed, the document says so at once, and why
// when Meta had already cut the channel off.
func removedDoc(unlinkOwed, metaAccessLost bool) map[string]any {
	switch {
	case unlinkOwed:
		return nil
	case metaAccessLost:
		return map[string]any{"meta_unlink": map[string]any{"status": UnlinkByMeta, "attempts": 0}}
	}
	return map[string]any{"meta_unlink": map[string]any{"status": "not_needed", "attempts": 0}}
}

// UnlinkDoc is the meta_unlink part of the removal document.
func UnlinkDoc(u Unlink) map[string]any {
	return map[string]any{"meta_unlink": map[string]any{"status": u.Status, "attempts": u.Attempts, "last_error": u.LastError}}
}

// ConversationContinued is the record of a new attendance started, on
// another channel, for a conversation of a removed channel; it joins that
// removal's trail.
func ConversationContinued(removalID, runID, accountID, channelID string, actor Actor, from, to, toChannel string) AuditEntry {
	return AuditEntry{RemovalID: removalID, RunID: runID, AccountID: accountID, ChannelID: channelID, Actor: actor,
		Action: ActionConversationContinued, Key: "continue/" + to,
		Detail: map[string]any{"from_conversation": from, "new_conversation": to, "to_channel": toChannel}}
}
