package domain

import (
	"encoding/json"
	"time"
)

// RemovalSummary is one run in the account's removal history.
type RemovalSummary struct {
	ID            string     `json:"id"`
	RunID         string     `json:"run_id"`
	ChannelID     string     `json:"channel_id"`
	ChannelName   string     `json:"channel_name"`
	Status        string     `json:"status"`
	RequestedBy   *string    `json:"requested_by"`
	RequesterName *string    `json:"requested_by_name,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	CompletedAt   *time.Time `json:"completed_at"`
}

// AuditEntryView is an audit record as the API shows it.
type AuditEntryView struct {
	RunID     string          `json:"run_id"`
	Action    string          `json:"action"`
	ActorUser *string         `json:"actor_user_id"`
	ActorName *string         `json:"actor_name,omitempty"`
	ActorIP   *string         `json:"actor_ip"`
	Detail    json.RawMessage `json:"detail"`
	CreatedAt time.Time       `json:"created_at"`
}

// Message is one message of a conversation.
type Message struct {
	ID        string    `json:"id"`
	Author    *string   `json:"author"`
	Body      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}

// RemovalRecord is the latest run of a removal as the read model holds it
// (json: as a run's announcement carries it).
type RemovalRecord struct {
	RemovalID   string          `json:"removal_id"`
	RunID       string          `json:"run_id"`
	AccountID   string          `json:"account_id"`
	ChannelID   string          `json:"channel_id"`
	Status      string          `json:"status"`
	CreatedAt   time.Time       `json:"created_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
	CompletedAt *time.Time      `json:"completed_at"`
	Doc         json.RawMessage `json:"doc"`
}

// RunAnnouncement says a removal's run wrote its read-model row; Record is
// the row when the announcement carried it (nil: read it). An announcement
// with no RunID says anything may have changed.
type RunAnnouncement struct {
	RunID  string
	Record *RemovalRecord
}
