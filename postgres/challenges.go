package postgres

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"math"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crm/channel-removal/domain"
)

// Challenge is a removal run's verification code state.
type Challenge struct {
	RemovalID      string       `db:"removal_id"`
	RunID          string       `db:"run_id"`
	AccountID      string       `db:"account_id"`
	ChannelID      string       `db:"channel_id"`
	Recipient      string       `db:"recipient"`
	SendSeq        int          `db:"send_seq"`
	CodeHash       []byte       `db:"code_hash"`
	CodeNonce      []byte       `db:"code_nonce"`
	ExpiresAt      time.Time    `db:"expires_at"`
	SentAt         sql.NullTime `db:"sent_at"`
	LastSentAt     sql.NullTime `db:"last_sent_at"`
	Attempts       int          `db:"attempts"`
	MaxAttempts    int          `db:"max_attempts"`
	LastAttemptSeq int          `db:"last_attempt_seq"`
	LastAttemptOK  sql.NullBool `db:"last_attempt_ok"`
	VerifiedAt     sql.NullTime `db:"verified_at"`
}

// CodeDraft is a freshly minted code for send number Seq of a run.
type CodeDraft struct {
	RemovalID, RunID, AccountID, ChannelID, Recipient string
	Seq                                               int
	Hash, Nonce                                       []byte
	Now, ExpiresAt                                    time.Time
	MinInterval                                       time.Duration
	MaxAttempts                                       int
}

const challengeCols = `removal_id, run_id, account_id, channel_id, recipient, send_seq, code_hash, code_nonce,
	expires_at, sent_at, last_sent_at, attempts, max_attempts, last_attempt_seq, last_attempt_ok, verified_at`

func lockChallenge(ctx context.Context, tx *sqlx.Tx, removalID, runID string) (*Challenge, error) {
	var c Challenge
	err := tx.GetContext(ctx, &c, `SELECT `+challengeCols+` FROM verification_challenges
		WHERE removal_id = $1 AND run_id = $2 FOR UPDATE`, removalID, runID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &c, err
}

// PrepareCode stores the draft as the run's current code, replacing the previous
// one, and returns the stored row. If send d.Seq was already prepared (a retried
// activity), the stored row is returned unchanged so the caller re-sends the same
// code or, if it was already sent, sends nothing. A new send within MinInterval of
// the last one is refused with resend_too_soon and retry_after seconds.
func (s *Store) PrepareCode(ctx context.Context, d CodeDraft) (Challenge, error) {
	var out Challenge
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		cur, err := lockChallenge(ctx, tx, d.RemovalID, d.RunID)
		if err != nil {
			return err
		}
		if cur != nil {
			if cur.SendSeq >= d.Seq {
				out = *cur
				return nil
			}
			if cur.VerifiedAt.Valid {
				return domain.Errorf(domain.CodeInvalidState, "o código já foi verificado")
			}
			if cur.LastSentAt.Valid {
				if wait := cur.LastSentAt.Time.Add(d.MinInterval).Sub(d.Now); wait > 0 {
					return domain.Errorf(domain.CodeResendTooSoon, "aguarde antes de pedir um novo código").
						With("retry_after", int(math.Ceil(wait.Seconds())))
				}
			}
		}
		return tx.GetContext(ctx, &out, `
			INSERT INTO verification_challenges (removal_id, run_id, account_id, channel_id, recipient, send_seq,
				code_hash, code_nonce, expires_at, max_attempts, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
			ON CONFLICT (removal_id, run_id) DO UPDATE SET
				recipient = EXCLUDED.recipient, send_seq = EXCLUDED.send_seq, code_hash = EXCLUDED.code_hash,
				code_nonce = EXCLUDED.code_nonce, expires_at = EXCLUDED.expires_at, sent_at = NULL,
				updated_at = EXCLUDED.updated_at
			RETURNING `+challengeCols,
			d.RemovalID, d.RunID, d.AccountID, d.ChannelID, d.Recipient, d.Seq, d.Hash, d.Nonce, d.ExpiresAt, d.MaxAttempts, d.Now)
	})
	return out, err
}

// MarkCodeSent records that send seq was accepted by the mailer and erases the
// nonce: from here on only the keyed hash remains.
func (s *Store) MarkCodeSent(ctx context.Context, removalID, runID string, seq int, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `
		UPDATE verification_challenges
		SET sent_at = $4, last_sent_at = $4, code_nonce = NULL, updated_at = $4
		WHERE removal_id = $1 AND run_id = $2 AND send_seq = $3 AND sent_at IS NULL`,
		removalID, runID, seq, now)
	return mapErr(err)
}

// Challenge reads a run's challenge.
func (s *Store) Challenge(ctx context.Context, removalID, runID string) (Challenge, error) {
	var c Challenge
	err := s.db.GetContext(ctx, &c, `SELECT `+challengeCols+` FROM verification_challenges
		WHERE removal_id = $1 AND run_id = $2`, removalID, runID)
	return c, mapErr(err)
}

// AttemptOutcome is the result of checking one submitted code.
type AttemptOutcome struct {
	OK           bool
	AttemptsLeft int
	Expired      bool
	Locked       bool
}

// RecordAttempt compares hash with the current code in constant time and counts
// a wrong one. Attempt seq makes it idempotent: a retried activity gets the
// outcome already recorded instead of spending a second attempt.
func (s *Store) RecordAttempt(ctx context.Context, removalID, runID string, seq int, hash []byte, now time.Time) (AttemptOutcome, error) {
	var out AttemptOutcome
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		c, err := lockChallenge(ctx, tx, removalID, runID)
		if err != nil {
			return err
		}
		if c == nil {
			return domain.Errorf(domain.CodeInvalidState, "nenhum código foi enviado para esta remoção")
		}
		left := c.MaxAttempts - c.Attempts
		if seq <= c.LastAttemptSeq {
			out = AttemptOutcome{OK: c.LastAttemptOK.Bool, AttemptsLeft: left, Locked: left <= 0}
			return nil
		}
		if left <= 0 {
			out = AttemptOutcome{AttemptsLeft: 0, Locked: true}
			return nil
		}
		if c.VerifiedAt.Valid {
			out = AttemptOutcome{OK: true, AttemptsLeft: left}
			return nil
		}
		if !now.Before(c.ExpiresAt) {
			out = AttemptOutcome{Expired: true, AttemptsLeft: left}
			return nil
		}
		ok := subtle.ConstantTimeCompare(c.CodeHash, hash) == 1
		if ok {
			_, err = tx.ExecContext(ctx, `UPDATE verification_challenges
				SET last_attempt_seq = $3, last_attempt_ok = true, verified_at = $4, updated_at = $4
				WHERE removal_id = $1 AND run_id = $2`, removalID, runID, seq, now)
			out = AttemptOutcome{OK: true, AttemptsLeft: left}
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE verification_challenges
			SET attempts = attempts + 1, last_attempt_seq = $3, last_attempt_ok = false, updated_at = $4
			WHERE removal_id = $1 AND run_id = $2`, removalID, runID, seq, now)
		out = AttemptOutcome{AttemptsLeft: left - 1, Locked: left-1 <= 0}
		return err
	})
	return out, err
}
