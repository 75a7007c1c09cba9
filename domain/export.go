package domain

import (
	"strconv"
	"time"
)

// The export of a channel's conversations (SPEC §8): a .zip with
// conversations.csv and messages.csv, which an admin opens in a spreadsheet.

// ExportLabel is the web app's button.
const ExportLabel = "Exportar conversas"

// ExportConversation is one row of conversations.csv.
type ExportConversation struct {
	ID               string
	Contact          string
	ContactHandle    string
	Status           string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	MessagesPurgedAt *time.Time
}

// ExportMessage is one row of messages.csv.
type ExportMessage struct {
	ConversationID string
	ID             string
	CreatedAt      time.Time
	// Author is the agent's name, or the contact's for an incoming message.
	Author   string
	FromUser bool
	Body     string
}

// Export is one export asked for, with the bounds it runs under.
type Export struct {
	ID        string // made by the server: its audit key and its notice's
	AccountID string
	ChannelID string
	// PerAccount bounds the account's exports streaming at once, across
	// every API process, so that one account cannot take every place.
	PerAccount int
	// IdleTimeout ends the export's transaction when it waits this long on
	// the client (idle_in_transaction_session_timeout): its snapshot holds
	// back vacuum; zero is DefaultExportIdleTimeout.
	IdleTimeout time.Duration
}

// DefaultExportIdleTimeout is longer than the API's own stall guard (a
// minute per write), so the API cuts a stalled client first; Postgres ends
// the transaction if the process hangs anyway.
const DefaultExportIdleTimeout = 2 * time.Minute

// ExportCounts is what an export holds, counted in its snapshot.
type ExportCounts struct {
	Conversations int64 `json:"conversations"`
	Messages      int64 `json:"messages"`
}

// ExportWriter takes an export as the store reads it: the counts first
// (the audit record goes before any row), then every conversation, then
// every message.
type ExportWriter interface {
	Counted(ExportCounts) error
	Conversation(ExportConversation) error
	Messages() error
	Message(ExportMessage) error
}

// Headers of the export's files.
var (
	ConversationsHeader = []string{"conversation_id", "contact", "contact_handle", "status", "created_at", "updated_at", "messages_purged"}
	MessagesHeader      = []string{"conversation_id", "message_id", "created_at", "direction", "author", "body"}
)

// Record is the conversation's CSV row, every cell SpreadsheetSafe.
func (c ExportConversation) Record() []string {
	return safe(c.ID, c.Contact, c.ContactHandle, c.Status, stamp(c.CreatedAt), stamp(c.UpdatedAt), strconv.FormatBool(c.MessagesPurgedAt != nil))
}

// Record is the message's CSV row, every cell SpreadsheetSafe.
func (m ExportMessage) Record() []string {
	dir := "recebida"
	if m.FromUser {
		dir = "enviada"
	}
	return safe(m.ConversationID, m.ID, stamp(m.CreatedAt), dir, m.Author, m.Body)
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func safe(cells ...string) []string {
	for i, c := range cells {
		cells[i] = SpreadsheetSafe(c)
	}
	return cells
}
