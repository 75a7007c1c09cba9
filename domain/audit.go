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
	Action    string
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
}

// TombstoneResult says what the tombstone did.
type TombstoneResult struct {
	AlreadyRemoved     bool
	DetachedReferences int
	// UnlinkPending: a Meta unlink is owed (the token moved to the unlink job).
	UnlinkPending bool
}

// Unlink is the Meta unlink owed by a removal run. AccessToken is the sealed
// channel token, empty once the unlink is settled.
type Unlink struct {
	RemovalID   string `db:"removal_id"`
	RunID       string `db:"run_id"`
	ChannelID   string `db:"channel_id"`
	ObjectKind  string `db:"object_kind"`
	ObjectID    string `db:"object_id"`
	AccessToken string `db:"access_token"`
	Status      string `db:"status"`
	Attempts    int    `db:"attempts"`
	LastError   string `db:"last_error"`
	// OtherLiveChannels counts, for a WABA, the other live channels that
	// use it, as read with the job.
	OtherLiveChannels int `db:"other_live_channels"`
}

// Unlink statuses.
const (
	UnlinkPending   = "pending"
	UnlinkDone      = "unlinked"
	UnlinkSkipped   = "skipped" // another live channel still uses the WABA
	UnlinkFailed    = "failed"  // permanent failure; ops may retry
	UnlinkAbandoned = "abandoned"
)
