package postgres

import (
	"encoding/json"
	"time"

	"github.com/crm/channel-removal/domain"
)

// Rows as the store reads them: the domain's types carry no storage tags,
// and each row converts to its domain type field for field (a conversion
// the compiler checks).

// challengeRow is a verification_challenges row (domain.Challenge).
type challengeRow struct {
	RemovalID      string     `db:"removal_id"`
	RunID          string     `db:"run_id"`
	AccountID      string     `db:"account_id"`
	ChannelID      string     `db:"channel_id"`
	Recipient      string     `db:"recipient"`
	SendSeq        int        `db:"send_seq"`
	CodeHash       []byte     `db:"code_hash"`
	CodeNonce      []byte     `db:"code_nonce"`
	ExpiresAt      time.Time  `db:"expires_at"`
	SentAt         *time.Time `db:"sent_at"`
	LastSentAt     *time.Time `db:"last_sent_at"`
	Attempts       int        `db:"attempts"`
	MaxAttempts    int        `db:"max_attempts"`
	LastAttemptSeq int        `db:"last_attempt_seq"`
	LastAttemptOK  *bool      `db:"last_attempt_ok"`
	VerifiedAt     *time.Time `db:"verified_at"`
	// Version counts the row's writes: a write stores only over the version
	// it was decided on.
	Version int64 `db:"version"`
}

// unlinkRow is a meta_unlinks row read with its number's release (domain.Unlink).
type unlinkRow struct {
	RemovalID   string              `db:"removal_id"`
	RunID       string              `db:"run_id"`
	ChannelID   string              `db:"channel_id"`
	ObjectKind  string              `db:"object_kind"`
	ObjectID    string              `db:"object_id"`
	AccessToken string              `db:"access_token"`
	Status      domain.UnlinkStatus `db:"status"`
	Attempts    int                 `db:"attempts"`
	LastError   string              `db:"last_error"`
	// OtherLiveChannels counts, for a WABA, the other live channels that
	// use it, as read with the job.
	OtherLiveChannels int `db:"other_live_channels"`
	// The number's release, read with the job ("" status: not asked for).
	NumberPhoneID   string              `db:"number_phone_number_id"`
	NumberToken     string              `db:"number_access_token"`
	NumberStatus    domain.NumberStatus `db:"number_status"`
	NumberAttempts  int                 `db:"number_attempts"`
	NumberLastError string              `db:"number_last_error"`
	// The number's override ("" status: none of ours).
	OverridePhoneID   string                `db:"override_phone_number_id"`
	OverrideURI       string                `db:"override_uri"`
	OverrideToken     string                `db:"override_access_token"`
	OverrideStatus    domain.OverrideStatus `db:"override_status"`
	OverrideAttempts  int                   `db:"override_attempts"`
	OverrideLastError string                `db:"override_last_error"`
	// The credit line's revocation ("" status: not on our credit line).
	CreditWABAID    string                  `db:"credit_waba_id"`
	CreditConfigID  string                  `db:"credit_allocation_config_id"`
	CreditToken     string                  `db:"credit_access_token"`
	CreditStatus    domain.CreditLineStatus `db:"credit_status"`
	CreditAttempts  int                     `db:"credit_attempts"`
	CreditLastError string                  `db:"credit_last_error"`
	CreditOtherLive int                     `db:"credit_other_live_channels"`
	// Doc is the run's read-model document, read with the job (UnlinkJob).
	Doc json.RawMessage `db:"doc"`
}

// creditLineRow is a credit_line_releases row (domain.CreditLineJob).
type creditLineRow struct {
	RemovalID          string                  `db:"removal_id"`
	RunID              string                  `db:"run_id"`
	ChannelID          string                  `db:"channel_id"`
	WABAID             string                  `db:"waba_id"`
	AllocationConfigID string                  `db:"allocation_config_id"`
	AccessToken        string                  `db:"access_token"`
	Status             domain.CreditLineStatus `db:"status"`
	Attempts           int                     `db:"attempts"`
	LastError          string                  `db:"last_error"`
}

// overrideRow is an override_releases row (domain.OverrideJob).
type overrideRow struct {
	RemovalID     string                `db:"removal_id"`
	RunID         string                `db:"run_id"`
	ChannelID     string                `db:"channel_id"`
	PhoneNumberID string                `db:"phone_number_id"`
	URI           string                `db:"override_uri"`
	AccessToken   string                `db:"access_token"`
	Status        domain.OverrideStatus `db:"status"`
	Attempts      int                   `db:"attempts"`
	LastError     string                `db:"last_error"`
}

// numberRow is a number_releases row (domain.NumberJob).
type numberRow struct {
	RemovalID     string              `db:"removal_id"`
	RunID         string              `db:"run_id"`
	ChannelID     string              `db:"channel_id"`
	PhoneNumberID string              `db:"phone_number_id"`
	AccessToken   string              `db:"access_token"`
	Status        domain.NumberStatus `db:"status"`
	Attempts      int                 `db:"attempts"`
	LastError     string              `db:"last_error"`
}

// disconnectedRow is a channel a webhook delivery disconnected (domain.DisconnectedChannel).
type disconnectedRow struct {
	ID        string `db:"id"`
	AccountID string `db:"account_id"`
	Name      string `db:"name"`
	WABAID    string `db:"waba_id"`
	Event     string `db:"event"`
}

// userRow is how the store reads a domain.User.
type userRow struct {
	ID        string `db:"id"`
	AccountID string `db:"account_id"`
	Email     string `db:"email"`
	Name      string `db:"name"`
	Role      string `db:"role"`
}

func (r userRow) toDomain() domain.User { return domain.User(r) }

// channelRow is how the store reads a domain.Channel.
type channelRow struct {
	ID          string             `db:"id"`
	AccountID   string             `db:"account_id"`
	Name        string             `db:"name"`
	Kind        domain.ChannelKind `db:"kind"`
	Official    bool               `db:"official"`
	Status      string             `db:"status"`
	WABAID      *string            `db:"waba_id"`
	PhoneNumber *string            `db:"phone_number_id"`
	PageID      *string            `db:"page_id"`
	RemovedAt   *time.Time         `db:"removed_at"`
	Coexistence bool               `db:"coexistence"`
	// The callback overrides our app set (migration 15).
	NumberOverride *string `db:"number_override_uri"`
	WABAOverride   *string `db:"waba_override_uri"`
	// The legal hold (migration 16).
	HoldReason *string    `db:"hold_reason"`
	HoldBy     *string    `db:"hold_by"`
	HoldAt     *time.Time `db:"hold_at"`
	// Our credit line's allocation config for the WABA (migration 19).
	CreditAllocation *string `db:"credit_allocation_config_id"`
}

func (r channelRow) toDomain() domain.Channel { return domain.Channel(r) }

// conversationRow is how the store reads a domain.Conversation.
type conversationRow struct {
	ID                  string `db:"id"`
	ChannelID           string `db:"channel_id"`
	AccountID           string `db:"account_id"`
	Contact             string `db:"contact"`
	Status              string `db:"status"`
	ChannelRemoved      bool   `db:"channel_removed"`
	ChannelDisconnected bool   `db:"channel_disconnected"`
	MessagesPurged      bool   `db:"messages_purged"`
}

func (r conversationRow) toDomain() domain.Conversation { return domain.Conversation(r) }

// removalSummaryRow is how the store reads a domain.RemovalSummary.
type removalSummaryRow struct {
	ID            string     `db:"removal_id"`
	RunID         string     `db:"run_id"`
	ChannelID     string     `db:"channel_id"`
	ChannelName   string     `db:"channel_name"`
	Status        string     `db:"status"`
	RequestedBy   *string    `db:"requested_by"`
	RequesterName *string    `db:"requester_name"`
	CreatedAt     time.Time  `db:"created_at"`
	UpdatedAt     time.Time  `db:"updated_at"`
	CompletedAt   *time.Time `db:"completed_at"`
}

func (r removalSummaryRow) toDomain() domain.RemovalSummary { return domain.RemovalSummary(r) }

// auditEntryViewRow is how the store reads a domain.AuditEntryView.
type auditEntryViewRow struct {
	RunID     string          `db:"run_id"`
	Action    string          `db:"action"`
	ActorUser *string         `db:"actor_user_id"`
	ActorName *string         `db:"actor_name"`
	ActorIP   *string         `db:"actor_ip"`
	Detail    json.RawMessage `db:"detail"`
	CreatedAt time.Time       `db:"created_at"`
}

func (r auditEntryViewRow) toDomain() domain.AuditEntryView { return domain.AuditEntryView(r) }

// messageRow is how the store reads a domain.Message.
type messageRow struct {
	ID        string    `db:"id"`
	Author    *string   `db:"author"`
	Body      string    `db:"body"`
	CreatedAt time.Time `db:"created_at"`
}

func (r messageRow) toDomain() domain.Message { return domain.Message(r) }

// removalRecordRow is how the store reads a domain.RemovalRecord.
type removalRecordRow struct {
	RemovalID   string          `db:"removal_id"`
	RunID       string          `db:"run_id"`
	AccountID   string          `db:"account_id"`
	ChannelID   string          `db:"channel_id"`
	Status      string          `db:"status"`
	CreatedAt   time.Time       `db:"created_at"`
	UpdatedAt   time.Time       `db:"updated_at"`
	CompletedAt *time.Time      `db:"completed_at"`
	Doc         json.RawMessage `db:"doc"`
}

func (r removalRecordRow) toDomain() domain.RemovalRecord { return domain.RemovalRecord(r) }

// toDomain converts rows to their domain type.
func toDomain[R interface{ toDomain() D }, D any](rows []R) []D {
	out := make([]D, len(rows))
	for i, r := range rows {
		out[i] = r.toDomain()
	}
	return out
}
