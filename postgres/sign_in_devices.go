package postgres

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/crm/channel-removal/domain"
)

// DeviceHit counts one sign-in attempt against a device's own bucket (key),
// but only when the device is trusted for email at now: its row exists, is
// its user's whose e-mail that is, is neither revoked nor expired. Trust and
// count are one statement, so a revocation committed before it is always
// seen, and concurrent attempts are counted one after another (the upsert
// locks the bucket's row, as Hit does). trusted is false, and nothing is
// counted, for any other device.
func (s *Store) DeviceHit(ctx context.Context, id []byte, email string, now time.Time, window time.Duration, key string) (b domain.Bucket, trusted bool, err error) {
	var row struct {
		Key         string    `db:"key"`
		WindowStart time.Time `db:"window_start"`
		Hits        int       `db:"hits"`
	}
	err = s.q().GetContext(ctx, &row, `
		WITH d AS (
			SELECT 1 FROM sign_in_devices d JOIN users u ON u.id = d.user_id
			WHERE d.id = $1 AND lower(u.email) = lower($2) AND d.revoked_at IS NULL AND d.expires_at > $3)
		INSERT INTO rate_limits AS r (key, window_start, hits)
		SELECT $4, $3, 1 FROM d
		ON CONFLICT (key) DO UPDATE SET
			window_start = CASE WHEN r.window_start <= $3 - make_interval(secs => $5) THEN $3 ELSE r.window_start END,
			hits = CASE WHEN r.window_start <= $3 - make_interval(secs => $5) THEN 1 ELSE r.hits + 1 END
		RETURNING key, window_start, hits`, id, email, now, key, window.Seconds())
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Bucket{}, false, nil
	}
	if err != nil {
		return domain.Bucket{}, false, mapErr(err)
	}
	return domain.Bucket{Key: row.Key, WindowStart: row.WindowStart, Hits: row.Hits}, true, nil
}

// AddDevice trusts a new device of a user until expires, and keeps the
// user's devices within domain.SignInDevicesPerUser: the new one and the
// most recently used trusted others; the rest (older, revoked, expired) go.
// The delete does not see the insert (one statement, one snapshot), so it
// keeps one fewer than the bound; two sign-ins of one user at once may
// leave one over it, which the next one trims.
func (s *Store) AddDevice(ctx context.Context, id []byte, userID string, now, expires time.Time) error {
	_, err := s.q().ExecContext(ctx, `WITH added AS (
			INSERT INTO sign_in_devices (id, user_id, created_at, last_used_at, expires_at)
			VALUES ($1, $2, $3, $3, $4) RETURNING id),
		kept AS (SELECT id FROM sign_in_devices WHERE user_id = $2 AND revoked_at IS NULL AND expires_at > $3
			ORDER BY last_used_at DESC, created_at DESC LIMIT $5)
		DELETE FROM sign_in_devices WHERE user_id = $2 AND id NOT IN (SELECT id FROM kept)`,
		id, userID, now, expires, domain.SignInDevicesPerUser-1)
	return mapErr(err)
}

// RenewDevice extends a trusted device's life after a sign-in on it; false
// when it is no longer trusted (revoked meanwhile, or expired). It never
// brings a revoked device back.
func (s *Store) RenewDevice(ctx context.Context, id []byte, now, expires time.Time) (bool, error) {
	res, err := s.q().ExecContext(ctx, `UPDATE sign_in_devices SET last_used_at = $2, expires_at = greatest(expires_at, $3)
		WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2`, id, now, expires)
	if err != nil {
		return false, mapErr(err)
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err)
}

// RevokeDevices ends the trust of every device of a user: their cookies are
// untrusted clients from now on.
func (s *Store) RevokeDevices(ctx context.Context, userID string, now time.Time) error {
	_, err := s.q().ExecContext(ctx, `UPDATE sign_in_devices SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL`, userID, now)
	return mapErr(err)
}

// RememberAddress records that a user signed in from an address, and keeps
// the user's addresses within domain.SignInAddressesPerUser: this one and
// the most recent others. The delete leaves this address alone (one
// statement may not change a row twice) and does not see it if it is new.
func (s *Store) RememberAddress(ctx context.Context, userID, address string, now time.Time) error {
	_, err := s.q().ExecContext(ctx, `WITH remembered AS (
			INSERT INTO sign_in_addresses (user_id, address, last_success_at) VALUES ($1, $2, $3)
			ON CONFLICT (user_id, address) DO UPDATE SET last_success_at = greatest(sign_in_addresses.last_success_at, $3)
			RETURNING 1),
		kept AS (SELECT address FROM sign_in_addresses WHERE user_id = $1 AND address <> $2
			ORDER BY last_success_at DESC LIMIT $4)
		DELETE FROM sign_in_addresses WHERE user_id = $1 AND address <> $2 AND address NOT IN (SELECT address FROM kept)`,
		userID, address, now, domain.SignInAddressesPerUser-1)
	return mapErr(err)
}

// KnownAddress says whether the user of email signed in from address since.
func (s *Store) KnownAddress(ctx context.Context, email, address string, since time.Time) (bool, error) {
	var known bool
	err := s.q().GetContext(ctx, &known, `SELECT EXISTS (SELECT 1 FROM sign_in_addresses a JOIN users u ON u.id = a.user_id
		WHERE lower(u.email) = lower($1) AND a.address = $2 AND a.last_success_at > $3)`, email, address, since)
	return known, mapErr(err)
}
