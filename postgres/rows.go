package postgres

import (
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
