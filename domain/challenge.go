package domain

import "time"

// Challenge is a removal run's verification code as stored: its keyed hash,
// never the code; the nonce only until the mail is accepted.
type Challenge struct {
	RemovalID      string
	RunID          string
	AccountID      string
	ChannelID      string
	Recipient      string
	SendSeq        int
	CodeHash       []byte
	CodeNonce      []byte
	ExpiresAt      time.Time
	SentAt         *time.Time
	LastSentAt     *time.Time
	Attempts       int
	MaxAttempts    int
	LastAttemptSeq int
	LastAttemptOK  *bool
	VerifiedAt     *time.Time
	// Version counts the row's writes: a write stores only over the version
	// it was decided on.
	Version int64
}
