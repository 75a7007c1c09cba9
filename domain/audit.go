package domain

import (
	"encoding/json"
	"time"
)

// AuditEntry is one append-only record of a removal step. A record that
// carries Removal also moves the run's row in the removals read model to it.
type AuditEntry struct {
	RemovalID string
	RunID     string
	AccountID string
	ChannelID string
	Actor     Actor
	Action    Action
	Detail    map[string]any
	// Key makes the write idempotent: an activity retry records its step once.
	// Keys are always the server's (ActionKey, or a run's ids): never a
	// value a client chose, such as its X-Request-Id.
	Key string
	// Removal is the document the workflow decided this step leads to
	// (domain.Decided), written whole with the record; nil: the row stays.
	Removal *Removal
}

// ActionKey is the audit key of an action a person takes through the API (an
// export, a hold set or lifted, a refused start): made by the server, fresh
// for each action (id is a new random id), and scoped to the account. A key
// built from a client's X-Request-Id let one request id suppress every later
// record under it (ON CONFLICT DO NOTHING), and let another tenant claim a
// key in advance; no client-chosen value ever names a record (SPEC §9).
func ActionKey(accountID string, action Action, id string) string {
	return "account:" + accountID + "/" + string(action) + "/" + id
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
	// Decided is the document for each of the tombstone's outcomes.
	Decided Decided
}

// TombstoneResult says what the tombstone did.
type TombstoneResult struct {
	AlreadyRemoved     bool
	DetachedReferences int
	// Subscription, Number and Override: what is owed to Meta (the token
	// moved to the unlink job, the number's release job, the number's
	// override job); WABAOverride: our app had set an override on the WABA.
	Subscription, Number, Override, WABAOverride bool
	// CreditLine: the WABA's share of our credit line is owed a revocation.
	CreditLine bool
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
	// The number's override, read with the job ("" status: none of ours).
	OverridePhoneID   string
	OverrideURI       string
	OverrideToken     string
	OverrideStatus    OverrideStatus
	OverrideAttempts  int
	OverrideLastError string
	// The credit line's revocation, read with the job ("" status: the WABA
	// was not on our credit line).
	CreditWABAID    string
	CreditConfigID  string
	CreditToken     string
	CreditStatus    CreditLineStatus
	CreditAttempts  int
	CreditLastError string
	// CreditOtherLive counts the other live channels on the WABA or on
	// the same allocation config, as read with the job.
	CreditOtherLive int
	// Doc is the run's read-model document as its last step wrote it, read
	// with the job: what an attempt moves on from (AttemptPlan.From).
	Doc json.RawMessage
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

// Owed says whether anything is owed to Meta.
func (r TombstoneResult) Owed() bool { return r.Subscription || r.Number || r.Override || r.CreditLine }

// Outcome is how the tombstone ended, for the document the workflow decided.
func (r TombstoneResult) Outcome() Outcome {
	switch {
	case r.Owed():
		return OutcomeUnlinkOwed
	case r.MetaAccessLost:
		return OutcomeMetaAccessLost
	}
	return OutcomeNothingOwed
}

// TombstoneRecords are the audit records of a tombstone, written in its
// statement: channel_removed with the document the workflow decided for res
// and, when that document ends the removal, removal_completed.
func TombstoneRecords(in Tombstone, ch Channel, res TombstoneResult) []AuditEntry {
	detail := map[string]any{"detached_references": res.DetachedReferences, "unlink_pending": res.Owed()}
	if res.MetaAccessLost {
		detail["meta_access_lost"] = true
	}
	removed := AuditEntry{
		RemovalID: in.RemovalID, RunID: in.RunID, AccountID: ch.AccountID, ChannelID: ch.ID, Actor: in.Actor,
		Action: ActionChannelRemoved, Key: in.RemovalID + "/" + in.RunID + "/channel_removed", Detail: detail}
	doc, ok := in.Decided.For(res.Outcome(), Facts{})
	if !ok {
		return []AuditEntry{removed}
	}
	if !doc.Final() {
		removed.Removal = &doc
		return []AuditEntry{removed}
	}
	return []AuditEntry{removed, {
		RemovalID: in.RemovalID, RunID: in.RunID, AccountID: ch.AccountID, ChannelID: ch.ID, Actor: in.Actor,
		Action: EndAction(doc.Status), Key: in.RemovalID + "/" + in.RunID + "/" + string(EndAction(doc.Status)), Removal: &doc}}
}

// ConversationContinued is the record of a new attendance started, on
// another channel, for a conversation of a removed channel; it joins that
// removal's trail.
func ConversationContinued(removalID, runID, accountID, channelID string, actor Actor, from, to, toChannel string) AuditEntry {
	return AuditEntry{RemovalID: removalID, RunID: runID, AccountID: accountID, ChannelID: channelID, Actor: actor,
		Action: ActionConversationContinued, Key: "continue/" + to,
		Detail: map[string]any{"from_conversation": from, "new_conversation": to, "to_channel": toChannel}}
}
