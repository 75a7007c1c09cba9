package domain

import (
	"encoding/json"
	"time"
)

// MetaUnlink is the state of the Meta unlink.
type MetaUnlink struct {
	Status    UnlinkStatus `json:"status"`
	Attempts  int          `json:"attempts"`
	LastError string       `json:"last_error,omitempty"`
	// Number is the phone number's release, for a WhatsApp Business API
	// channel only (not_requested unless the admin asked for it).
	Number *NumberRelease `json:"number,omitempty"`
}

// Removal is the removal document (SPEC §3): the query result, the update
// answer and the workflow result.
type Removal struct {
	ID            string     `json:"id"`
	RunID         string     `json:"run_id"`
	ChannelID     string     `json:"channel_id"`
	AccountID     string     `json:"account_id,omitempty"`
	Status        Status     `json:"status"`
	Step          string     `json:"step"`
	Impact        *Impact    `json:"impact"`
	Reasons       []Reason   `json:"reasons,omitempty"`
	CodeSentTo    string     `json:"code_sent_to,omitempty"`
	CodeExpiresAt *time.Time `json:"code_expires_at"`
	CodeSentAt    *time.Time `json:"-"`
	AttemptsLeft  int        `json:"attempts_left"`
	MetaUnlink    MetaUnlink `json:"meta_unlink"`
	Notes         []string   `json:"notes"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	CompletedAt   *time.Time `json:"completed_at"`
}

// Document is the removal document (SPEC §3) of a read-model record: the
// fields its steps set, with the status's step in words and its notes.
func (rec RemovalRecord) Document() Removal {
	var doc Removal
	_ = json.Unmarshal(rec.Doc, &doc) // the fields the steps set; the rest follows
	var number struct {
		Release *NumberRelease `json:"number_release"` // NumberDoc
	}
	_ = json.Unmarshal(rec.Doc, &number)
	doc.ID, doc.RunID, doc.ChannelID, doc.AccountID = rec.RemovalID, rec.RunID, rec.ChannelID, rec.AccountID
	doc.Status, doc.Step = Status(rec.Status), StatusStep(Status(rec.Status))
	doc.CreatedAt, doc.UpdatedAt, doc.CompletedAt = rec.CreatedAt, rec.UpdatedAt, rec.CompletedAt
	if doc.MetaUnlink.Status == "" {
		doc.MetaUnlink.Status = "not_started"
	}
	var kind ChannelKind
	var disconnected bool
	if doc.Impact != nil {
		kind, disconnected = doc.Impact.Kind, doc.Impact.Disconnected
	}
	doc.MetaUnlink.Number = number.Release
	if doc.MetaUnlink.Number == nil && NumberReleaseOffered(kind, disconnected) {
		doc.MetaUnlink.Number = &NumberRelease{Status: NumberNotRequested}
	}
	doc.Notes = RemovalNotes(doc.Status, kind, doc.MetaUnlink)
	return doc
}
