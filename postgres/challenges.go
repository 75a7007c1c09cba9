package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

// The verification code's rules (throttle, attempts, expiry) are decided in
// activities; this file only reads, locks and writes the run's challenge row.

const challengeCols = `removal_id, run_id, account_id, channel_id, recipient, send_seq, code_hash, code_nonce,
	expires_at, sent_at, last_sent_at, attempts, max_attempts, last_attempt_seq, last_attempt_ok, verified_at`

// ChangeChallenge locks the run's challenge row (nil when there is none yet),
// lets decide say what it becomes (nil: unchanged), and stores that, all in
// one transaction: concurrent sends and attempts of one run are serialized.
// It returns the row as stored afterwards.
func (s *Store) ChangeChallenge(ctx context.Context, removalID, runID string,
	decide func(cur *domain.Challenge) (*domain.Challenge, error)) (domain.Challenge, error) {
	var out domain.Challenge
	err := s.inTx(ctx, func(tx querier) error {
		var cur *domain.Challenge
		var c domain.Challenge
		err := tx.GetContext(ctx, &c, `SELECT `+challengeCols+` FROM verification_challenges
			WHERE removal_id = $1 AND run_id = $2 FOR UPDATE`, removalID, runID)
		switch {
		case err == nil:
			cur = &c
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		next, err := decide(cur)
		if err != nil {
			return err
		}
		if next == nil {
			if cur != nil {
				out = *cur
			}
			return nil
		}
		return tx.GetContext(ctx, &out, `
			INSERT INTO verification_challenges (removal_id, run_id, account_id, channel_id, recipient, send_seq,
				code_hash, code_nonce, expires_at, sent_at, last_sent_at, attempts, max_attempts, last_attempt_seq,
				last_attempt_ok, verified_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())
			ON CONFLICT (removal_id, run_id) DO UPDATE SET
				recipient = EXCLUDED.recipient, send_seq = EXCLUDED.send_seq, code_hash = EXCLUDED.code_hash,
				code_nonce = EXCLUDED.code_nonce, expires_at = EXCLUDED.expires_at, sent_at = EXCLUDED.sent_at,
				last_sent_at = EXCLUDED.last_sent_at, attempts = EXCLUDED.attempts, max_attempts = EXCLUDED.max_attempts,
				last_attempt_seq = EXCLUDED.last_attempt_seq, last_attempt_ok = EXCLUDED.last_attempt_ok,
				verified_at = EXCLUDED.verified_at, updated_at = now()
			RETURNING `+challengeCols,
			next.RemovalID, next.RunID, next.AccountID, next.ChannelID, next.Recipient, next.SendSeq, next.CodeHash, next.CodeNonce,
			next.ExpiresAt, next.SentAt, next.LastSentAt, next.Attempts, next.MaxAttempts, next.LastAttemptSeq,
			next.LastAttemptOK, next.VerifiedAt)
	})
	return out, err
}

// MarkCodeSent records that send seq was accepted by the mailer: it erases the
// nonce (from here on only the keyed hash remains) and appends sent, the
// send's audit record, in one statement, so a send is marked exactly when its
// record exists; after a failed write the retry re-sends the same code.
func (s *Store) MarkCodeSent(ctx context.Context, removalID, runID string, seq int, now time.Time, sent domain.AuditEntry) error {
	if sent.RemovalID != removalID || sent.RunID != runID {
		return fmt.Errorf("MarkCodeSent: the record is of %s/%s, not %s/%s", sent.RemovalID, sent.RunID, removalID, runID)
	}
	return mapErr(appendAuditWith(ctx, s.q(), sent, `mark AS (
			UPDATE verification_challenges
			SET sent_at = $14, last_sent_at = $14, code_nonce = NULL, updated_at = $14
			WHERE removal_id = $1 AND run_id = $2 AND send_seq = $13 AND sent_at IS NULL),`, seq, now))
}

// Challenge reads a run's challenge.
func (s *Store) Challenge(ctx context.Context, removalID, runID string) (domain.Challenge, error) {
	var c domain.Challenge
	err := s.q().GetContext(ctx, &c, `SELECT `+challengeCols+` FROM verification_challenges
		WHERE removal_id = $1 AND run_id = $2`, removalID, runID)
	return c, mapErr(err)
}
