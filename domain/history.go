package domain

import (
	"encoding/json"
	"time"
)

// RemovalSummary is one run in the account's removal history.
type RemovalSummary struct {
	ID            string     `db:"removal_id" json:"id"`
	RunID         string     `db:"run_id" json:"run_id"`
	ChannelID     string     `db:"channel_id" json:"channel_id"`
	ChannelName   string     `db:"channel_name" json:"channel_name"`
	Status        string     `db:"status" json:"status"`
	RequestedBy   *string    `db:"requested_by" json:"requested_by"`
	RequesterName *string    `db:"requester_name" json:"requested_by_name,omitempty"`
	CreatedAt     time.Time  `db:"created_at" json:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at" json:"updated_at"`
	CompletedAt   *time.Time `db:"completed_at" json:"completed_at"`
}

// AuditEntryView is an audit record as the API shows it.
type AuditEntryView struct {
	RunID     string          `db:"run_id" json:"run_id"`
	Action    string          `db:"action" json:"action"`
	ActorUser *string         `db:"actor_user_id" json:"actor_user_id"`
	ActorName *string         `db:"actor_name" json:"actor_name,omitempty"`
	ActorIP   *string         `db:"actor_ip" json:"actor_ip"`
	Detail    json.RawMessage `db:"detail" json:"detail"`
	CreatedAt time.Time       `db:"created_at" json:"created_at"`
}

// Message is one message of a conversation.
type Message struct {
	ID        string    `db:"id" json:"id"`
	Author    *string   `db:"author" json:"author"`
	Body      string    `db:"body" json:"text"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

// RemovalRecord is the latest run of a removal as the read model holds it
// (json: as a run's announcement carries it).
type RemovalRecord struct {
	RemovalID   string          `db:"removal_id" json:"removal_id"`
	RunID       string          `db:"run_id" json:"run_id"`
	AccountID   string          `db:"account_id" json:"account_id"`
	ChannelID   string          `db:"channel_id" json:"channel_id"`
	Status      string          `db:"status" json:"status"`
	CreatedAt   time.Time       `db:"created_at" json:"created_at"`
	UpdatedAt   time.Time       `db:"updated_at" json:"updated_at"`
	CompletedAt *time.Time      `db:"completed_at" json:"completed_at"`
	Doc         json.RawMessage `db:"doc" json:"doc"`
}

// RunAnnouncement says a removal's run wrote its read-model row; Record is
// the row when the announcement carried it (nil: read it). An announcement
// with no RunID says anything may have changed.
type RunAnnouncement struct {
	RunID  string
	Record *RemovalRecord
}
