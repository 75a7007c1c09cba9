package domain

import "time"

// Challenge is a removal run's verification code as stored: its keyed hash,
// never the code; the nonce only until the mail is accepted.
type Challenge struct {
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
