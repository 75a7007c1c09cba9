package postgres

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/crm/channel-removal/domain"
)

// ClaimIdempotencyKey claims k for its request at now, or says why not. A
// fresh key (or one expired, or one whose request died in flight past its
// lease with the same fingerprint) is claimed: the caller answers and then
// calls FinishIdempotencyKey or ReleaseIdempotencyKey with the token. A key
// answered before replays its answer; a key whose request still runs is
// idempotency_key_in_flight; a key of another request is
// idempotency_key_reused.
//
// The INSERT … ON CONFLICT is the arbiter: of requests racing on one key,
// exactly one inserts (or takes over) the row, and the others wait for its
// commit and then read it.
func (s *Store) ClaimIdempotencyKey(ctx context.Context, k domain.IdempotencyKey, now time.Time) (domain.IdempotencyClaim, error) {
	token := uuid.NewString()
	// A row released (deleted) between our INSERT and SELECT is gone: try
	// again; a few rounds settle any race.
	for range 5 {
		var mine bool
		err := s.q().ScanRow(ctx, `
			INSERT INTO idempotency_keys AS k (account_id, user_id, key, fingerprint, claim, lease_until, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT (account_id, user_id, key) DO UPDATE SET
				fingerprint = EXCLUDED.fingerprint, claim = EXCLUDED.claim, lease_until = EXCLUDED.lease_until,
				created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, status = NULL, header = NULL, body = NULL
			WHERE k.expires_at <= $7
				OR (k.status IS NULL AND k.lease_until <= $7 AND k.fingerprint = EXCLUDED.fingerprint)
			RETURNING true`,
			[]any{k.AccountID, k.UserID, k.Key, k.Fingerprint, token, now.Add(domain.IdempotencyLease), now, now.Add(domain.IdempotencyTTL)}, &mine)
		if err == nil {
			return domain.IdempotencyClaim{Token: token}, nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return domain.IdempotencyClaim{}, mapErr(err)
		}
		// Someone else's row: a statement of its own sees it committed.
		var row struct {
			Fingerprint []byte        `db:"fingerprint"`
			Status      sql.NullInt64 `db:"status"`
			Header      []byte        `db:"header"`
			Body        []byte        `db:"body"`
			ExpiresAt   time.Time     `db:"expires_at"`
			LeaseUntil  time.Time     `db:"lease_until"`
		}
		err = s.q().GetContext(ctx, &row, `SELECT fingerprint, status, header, body, expires_at, lease_until
			FROM idempotency_keys WHERE account_id = $1 AND user_id = $2 AND key = $3`, k.AccountID, k.UserID, k.Key)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return domain.IdempotencyClaim{}, mapErr(err)
		}
		switch {
		case !row.ExpiresAt.After(now):
			continue // expired since the INSERT looked: take it over
		case !bytes.Equal(row.Fingerprint, k.Fingerprint):
			return domain.IdempotencyClaim{}, domain.IdempotencyKeyReused()
		case !row.Status.Valid:
			if !row.LeaseUntil.After(now) {
				continue
			}
			return domain.IdempotencyClaim{}, domain.IdempotencyKeyInFlight()
		}
		a := domain.StoredAnswer{Status: int(row.Status.Int64), Body: row.Body}
		if err := json.Unmarshal(row.Header, &a.Header); err != nil {
			return domain.IdempotencyClaim{}, err
		}
		return domain.IdempotencyClaim{Replay: &a}, nil
	}
	return domain.IdempotencyClaim{}, domain.IdempotencyKeyInFlight()
}

// FinishIdempotencyKey keeps a's answer under the claim, for replay until
// now plus domain.IdempotencyTTL. A claim taken over meanwhile keeps its own.
func (s *Store) FinishIdempotencyKey(ctx context.Context, k domain.IdempotencyKey, token string, a domain.StoredAnswer, now time.Time) error {
	// jsonb takes text: a connection opened with binary_parameters (as
	// Open does) would send []byte as bytea.
	header, err := json.Marshal(a.Header)
	if err != nil {
		return err
	}
	_, err = s.q().ExecContext(ctx, `UPDATE idempotency_keys SET status = $5, header = $6, body = $7, lease_until = $8, expires_at = $9
		WHERE account_id = $1 AND user_id = $2 AND key = $3 AND claim = $4`,
		k.AccountID, k.UserID, k.Key, token, a.Status, string(header), a.Body, now, now.Add(domain.IdempotencyTTL))
	return mapErr(err)
}

// ReleaseIdempotencyKey gives the key up: its request kept no answer (a
// 5xx, a 429, a panic), so the same request sent again runs again.
func (s *Store) ReleaseIdempotencyKey(ctx context.Context, k domain.IdempotencyKey, token string) error {
	_, err := s.q().ExecContext(ctx, `DELETE FROM idempotency_keys WHERE account_id = $1 AND user_id = $2 AND key = $3 AND claim = $4`,
		k.AccountID, k.UserID, k.Key, token)
	return mapErr(err)
}

// SweepIdempotencyKeys deletes the keys expired at now: their answers are
// not replayed any more, and the table would grow forever.
func (s *Store) SweepIdempotencyKeys(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.q().ExecContext(ctx, `DELETE FROM idempotency_keys WHERE expires_at <= $1`, now)
	if err != nil {
		return 0, mapErr(err)
	}
	return res.RowsAffected()
}
