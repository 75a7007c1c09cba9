package postgres

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"time"

	"github.com/lib/pq"

	"github.com/crm/channel-removal/domain"
)

// Credentials returns a user and the bcrypt hash of their password ("" when
// none is set), looked up by e-mail, case-insensitively.
func (s *Store) Credentials(ctx context.Context, email string) (domain.User, string, error) {
	var row struct {
		userRow
		Hash sql.NullString `db:"password_hash"`
	}
	err := s.q().GetContext(ctx, &row, `SELECT id, account_id, email, name, role, password_hash FROM users WHERE lower(email) = lower($1)`, email)
	return row.toDomain(), row.Hash.String, mapErr(err)
}

// SetPasswordHash stores a user's bcrypt hash. A new password revokes the
// user's trusted sign-in devices: whoever had the old one is an untrusted
// client again.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string) error {
	_, err := s.q().ExecContext(ctx, `WITH u AS (UPDATE users SET password_hash = $2 WHERE id = $1 RETURNING id)
		UPDATE sign_in_devices SET revoked_at = now() WHERE user_id IN (SELECT id FROM u) AND revoked_at IS NULL`, userID, hash)
	return mapErr(err)
}

// CreateSession stores a web session under the hash of its token.
func (s *Store) CreateSession(ctx context.Context, tokenHash []byte, userID string, expires time.Time) error {
	_, err := s.q().ExecContext(ctx, `INSERT INTO web_sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)`, tokenHash, userID, expires)
	return mapErr(err)
}

// DeleteSession ends a session (sign-out) and sweeps the user's expired ones.
func (s *Store) DeleteSession(ctx context.Context, tokenHash []byte, now time.Time) error {
	_, err := s.q().ExecContext(ctx, `
		DELETE FROM web_sessions WHERE token_hash = $1
		   OR (expires_at <= $2 AND user_id = (SELECT user_id FROM web_sessions WHERE token_hash = $1))`, tokenHash, now)
	return mapErr(err)
}

// Hit counts one attempt in each bucket of keys, in one statement, before
// the attempt is evaluated: the upsert locks each bucket's row and counts on
// its latest version, so concurrent attempts are counted one after another
// and at most a limit's worth of them see a count within it. A bucket whose
// window has passed starts a new one. Keys are locked in sorted order, so two
// hits never wait on each other in a cycle.
func (s *Store) Hit(ctx context.Context, now time.Time, window time.Duration, keys ...string) ([]domain.Bucket, error) {
	sorted := slices.Clone(keys)
	slices.Sort(sorted)
	var rows []struct {
		Key         string    `db:"key"`
		WindowStart time.Time `db:"window_start"`
		Hits        int       `db:"hits"`
	}
	err := s.q().SelectContext(ctx, &rows, `
		INSERT INTO rate_limits AS r (key, window_start, hits)
		SELECT k, $1, 1 FROM unnest($2::text[]) WITH ORDINALITY u(k, o) ORDER BY o
		ON CONFLICT (key) DO UPDATE SET
			window_start = CASE WHEN r.window_start <= $1 - make_interval(secs => $3) THEN $1 ELSE r.window_start END,
			hits = CASE WHEN r.window_start <= $1 - make_interval(secs => $3) THEN 1 ELSE r.hits + 1 END
		RETURNING key, window_start, hits`, now, pq.Array(sorted), window.Seconds())
	if err != nil {
		return nil, mapErr(err)
	}
	byKey := make(map[string]domain.Bucket, len(rows))
	for _, r := range rows {
		byKey[r.Key] = domain.Bucket{Key: r.Key, WindowStart: r.WindowStart, Hits: r.Hits}
	}
	out := make([]domain.Bucket, len(keys))
	for i, k := range keys {
		out[i] = byKey[k]
	}
	return out, nil
}

// Forget empties a bucket (a successful sign-in forgets its e-mail's attempts).
func (s *Store) Forget(ctx context.Context, key string) error {
	_, err := s.q().ExecContext(ctx, `DELETE FROM rate_limits WHERE key = $1`, key)
	return mapErr(err)
}

// Refund takes back one hit (a successful sign-in is not held against its IP).
func (s *Store) Refund(ctx context.Context, key string) error {
	_, err := s.q().ExecContext(ctx, `UPDATE rate_limits SET hits = greatest(hits - 1, 0) WHERE key = $1`, key)
	return mapErr(err)
}

// Sweep deletes the throttles' buckets whose window passed before olderThan
// and the web sessions expired by now; it says how many rows of each went.
// Sign-in devices expired or revoked, and addresses not signed in from for a
// device's life, go too (they are never trusted again anyway).
func (s *Store) Sweep(ctx context.Context, now, olderThan time.Time) (buckets, sessions int64, err error) {
	err = s.q().ScanRow(ctx, `WITH b AS (DELETE FROM rate_limits WHERE window_start < $2 RETURNING 1),
			w AS (DELETE FROM web_sessions WHERE expires_at <= $1 RETURNING 1),
			d AS (DELETE FROM sign_in_devices WHERE expires_at <= $1 OR revoked_at IS NOT NULL RETURNING 1),
			a AS (DELETE FROM sign_in_addresses WHERE last_success_at <= $1 - make_interval(secs => $3) RETURNING 1)
		SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM w)`, []any{now, olderThan, domain.SignInDeviceTTL.Seconds()}, &buckets, &sessions)
	return buckets, sessions, mapErr(err)
}

// Removals lists an account's removals, newest first.
func (s *Store) Removals(ctx context.Context, accountID string, limit int) ([]domain.RemovalSummary, error) {
	var rs []removalSummaryRow
	err := s.q().SelectContext(ctx, &rs, `
		SELECT r.removal_id, r.run_id, r.channel_id, ch.name AS channel_name, r.status, r.requested_by,
		       u.name AS requester_name, r.created_at, r.updated_at, r.completed_at
		FROM removals r
		JOIN channels ch ON ch.id = r.channel_id
		LEFT JOIN users u ON u.id::text = r.requested_by
		WHERE r.account_id = $1
		ORDER BY r.created_at DESC, r.removal_id
		LIMIT $2`, accountID, limit)
	return toDomain(rs), mapErr(err)
}

// AuditEntries returns a removal's audit records (every run) in order.
func (s *Store) AuditEntries(ctx context.Context, removalID string) ([]domain.AuditEntryView, error) {
	var es []auditEntryViewRow
	err := s.q().SelectContext(ctx, &es, `
		SELECT a.run_id, a.action, a.actor_user_id, u.name AS actor_name, a.actor_ip, a.detail, a.created_at
		FROM removal_audit_log a LEFT JOIN users u ON u.id::text = a.actor_user_id
		WHERE a.removal_id = $1 ORDER BY a.id`, removalID)
	return toDomain(es), mapErr(err)
}

// Messages lists a conversation's latest messages, oldest first.
func (s *Store) Messages(ctx context.Context, conversationID string, limit int) ([]domain.Message, error) {
	var ms []messageRow
	err := s.q().SelectContext(ctx, &ms, `
		SELECT * FROM (
			SELECT m.id, u.name AS author, m.body, m.created_at
			FROM messages m LEFT JOIN users u ON u.id = m.author_user_id
			WHERE m.conversation_id = $1 ORDER BY m.created_at DESC LIMIT $2) last
		ORDER BY created_at`, conversationID, limit)
	return toDomain(ms), mapErr(err)
}

// ContinueConversation opens a conversation for the same contact on another
// active channel of the same account, and audits it under the removal that
// tombstoned the old channel, if any. The target's status is checked in the
// insert, and again by the attendance trigger under a share lock on its row
// (migration 14), so a removal cannot slip in between.
func (s *Store) ContinueConversation(ctx context.Context, conversationID, channelID string, actor domain.Actor) (string, error) {
	var id string
	err := s.inTx(ctx, func(tx querier) error {
		err := tx.GetContext(ctx, &id, `
			INSERT INTO conversations (account_id, channel_id, contact_id, status)
			SELECT v.account_id, ch.id, v.contact_id, 'open'
			FROM conversations v JOIN channels ch ON ch.id = $2 AND ch.account_id = v.account_id AND ch.status = 'active'
			WHERE v.id = $1
			RETURNING id`, conversationID, channelID)
		if errors.Is(err, sql.ErrNoRows) || domain.ErrorCode(mapErr(err)) == domain.CodeChannelRemoved ||
			domain.ErrorCode(mapErr(err)) == domain.CodeChannelDisconnected {
			// Not active in the statement's snapshot, or removed while the
			// attendance trigger waited for the tombstone's lock.
			return domain.Errorf(domain.CodeChannelRemoved, "o canal escolhido foi removido; escolha um canal ativo")
		}
		if err != nil {
			return err
		}
		var from struct {
			RemovalID sql.NullString `db:"removed_by"`
			RunID     sql.NullString `db:"run_id"`
			AccountID string         `db:"account_id"`
			ChannelID string         `db:"channel_id"`
		}
		if err := tx.GetContext(ctx, &from, `
			SELECT ch.removed_by, v.account_id, v.channel_id,
			       (SELECT r.run_id FROM removals r WHERE r.removal_id = ch.removed_by ORDER BY r.created_at DESC LIMIT 1) AS run_id
			FROM conversations v JOIN channels ch ON ch.id = v.channel_id WHERE v.id = $1`, conversationID); err != nil {
			return err
		}
		if !from.RemovalID.Valid {
			return nil
		}
		return appendAudit(ctx, tx, domain.ConversationContinued(from.RemovalID.String, from.RunID.String, from.AccountID, from.ChannelID,
			actor, conversationID, id, channelID))
	})
	return id, err
}

const removalRecordCols = `removal_id, run_id, account_id, channel_id, status, created_at, updated_at, completed_at, doc`

// LatestRemoval reads a removal's latest run; not_found when it has none.
func (s *Store) LatestRemoval(ctx context.Context, removalID string) (domain.RemovalRecord, error) {
	var r removalRecordRow
	err := s.q().GetContext(ctx, &r, `SELECT `+removalRecordCols+`
		FROM removals WHERE removal_id = $1 ORDER BY created_at DESC LIMIT 1`, removalID)
	return r.toDomain(), mapErr(err)
}

// RemovalRun reads one run's row; not_found until its first step (the
// preflight) has written it.
func (s *Store) RemovalRun(ctx context.Context, removalID, runID string) (domain.RemovalRecord, error) {
	var r removalRecordRow
	err := s.q().GetContext(ctx, &r, `SELECT `+removalRecordCols+`
		FROM removals WHERE removal_id = $1 AND run_id = $2`, removalID, runID)
	return r.toDomain(), mapErr(err)
}
