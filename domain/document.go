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
	// Override is the number's webhook override our app had set, and
	// WABAOverride the WABA's (both only when there was one).
	Override     *OverrideRelease `json:"override,omitempty"`
	WABAOverride WABAOverride     `json:"waba_override,omitempty"`
	// CreditLine is the WABA's share of our credit line, revoked with the
	// unlink (only when the WABA was on it).
	CreditLine *CreditLineRelease `json:"credit_line,omitempty"`
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
	// Retention is the history's fate, chosen with the acknowledgement
	// (SPEC §8); once a purge is scheduled its state is the purge's (Purge).
	Retention   *Retention `json:"retention,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	CompletedAt *time.Time `json:"completed_at"`
}

// Document is the removal document (SPEC §3) of a read-model record: the
// document the workflow decided, as its last step wrote it whole, with the
// row's ids and times. A run still going shows its status's plain text as
// its step (the query and Temporal Web show the step with its deadlines);
// one that ended keeps the step its end decided, which says why it ended
// (the preflight's reasons, which wait expired, who cancelled it).
func (rec RemovalRecord) Document() Removal {
	var doc Removal
	_ = json.Unmarshal(rec.Doc, &doc)
	doc.ID, doc.RunID, doc.ChannelID, doc.AccountID = rec.RemovalID, rec.RunID, rec.ChannelID, rec.AccountID
	ended := rec.CompletedAt != nil && doc.Status == Status(rec.Status) && doc.Step != ""
	doc.Status = Status(rec.Status)
	if !ended {
		doc.Step = StatusStep(doc.Status)
	}
	doc.CreatedAt, doc.UpdatedAt, doc.CompletedAt = rec.CreatedAt, rec.UpdatedAt, rec.CompletedAt
	if doc.Notes == nil {
		doc.Notes = []string{}
	}
	return doc
}

// Stored is the document as the run's last step wrote it, whole (its step
// and times included): what a step that moves it next starts from.
func (rec RemovalRecord) Stored() (Removal, error) {
	var doc Removal
	err := json.Unmarshal(rec.Doc, &doc)
	return doc, err
}
