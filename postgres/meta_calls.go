package postgres

import (
	"context"
	"database/sql"
	"time"

	"github.com/google/uuid"

	"github.com/crm/channel-removal/domain"
)

// Meta calls' intents (migration 20, activities/meta_call.go). Leases are
// compared with the database's clock, the one clock every worker shares.

// ClaimMetaCall claims attempt n's call at part p for one try, holding it for
// lease: a done call of the part (this attempt's or an earlier one's) or this
// attempt's settled answer is returned instead; an intent another try holds
// is reported held; one whose holder's lease passed (its worker died
// mid-call) is taken over, and so is one abandoned with its closed run (a
// reset of that run keeps its first run's id, so its try comes back to the
// key; an abandoned row has no answer to hand it). The INSERT … ON CONFLICT
// is the arbiter: of tries racing on one key, exactly one inserts or takes
// over the row.
func (s *Store) ClaimMetaCall(ctx context.Context, removalID, runID string, p domain.MetaPart, n int, lease time.Duration) (claim string, c domain.MetaCallClaim, err error) {
	claim = uuid.NewString()
	key := domain.MetaCallKey(removalID, runID, p, n)
	// One round trip for the usual try: the part's done call, if any, and
	// else the claim (the INSERT runs only where no call of the part is done).
	var done []byte
	var calls sql.NullInt64
	err = s.q().ScanRow(ctx, `
		WITH done AS (SELECT answer FROM meta_call_intents
			WHERE removal_id = $2::text AND run_id = $3::text AND part = $4::text AND status = 'done' ORDER BY attempt LIMIT 1),
		ins AS (INSERT INTO meta_call_intents AS i (key, removal_id, run_id, part, attempt, claim, lease_until)
			SELECT $1::text, $2::text, $3::text, $4::text, $5::int, $6::uuid, clock_timestamp() + make_interval(secs => $7::float8)
			WHERE NOT EXISTS (SELECT 1 FROM done)
			ON CONFLICT (key) DO UPDATE SET claim = EXCLUDED.claim, lease_until = EXCLUDED.lease_until, calls = i.calls + 1,
				status = 'open', settled_at = NULL
			WHERE (i.status = 'open' AND i.lease_until <= clock_timestamp()) OR i.status = 'abandoned'
			RETURNING calls)
		SELECT (SELECT answer FROM done), (SELECT calls FROM ins)`,
		[]any{key, removalID, runID, p.Name(), n, claim, lease.Seconds()}, &done, &calls)
	switch {
	case err != nil:
		return "", c, mapErr(err)
	case done != nil:
		return "", domain.MetaCallClaim{Settled: true, Status: domain.MetaCallDone, Answer: done}, nil
	case calls.Valid:
		c.Calls, c.Mine = int(calls.Int64), true
		return claim, c, nil
	}
	// Another try's row: a statement of its own sees it committed.
	var row struct {
		Status     domain.MetaCallStatus `db:"status"`
		Answer     []byte                `db:"answer"`
		LeaseUntil time.Time             `db:"lease_until"`
		Calls      int                   `db:"calls"`
	}
	if err := s.q().GetContext(ctx, &row, `SELECT status, answer, lease_until, calls FROM meta_call_intents WHERE key = $1`, key); err != nil {
		return "", c, mapErr(err)
	}
	c.Calls, c.Status = row.Calls, row.Status
	if row.Status == domain.MetaCallOpen {
		c.HeldUntil = row.LeaseUntil
	} else {
		c.Settled, c.Answer = true, row.Answer
	}
	return "", c, nil
}

// SettleMetaCall writes Meta's answer on the intent the claim holds (a
// claim lost to a takeover writes nothing: the taker settles it).
func (s *Store) SettleMetaCall(ctx context.Context, removalID, runID string, p domain.MetaPart, n int, claim string,
	status domain.MetaCallStatus, answer []byte) error {
	_, err := s.q().ExecContext(ctx, `UPDATE meta_call_intents SET status = $3, answer = $4::jsonb, settled_at = clock_timestamp()
		WHERE key = $1 AND claim = $2 AND status = 'open'`, domain.MetaCallKey(removalID, runID, p, n), claim, status, string(answer))
	return mapErr(err)
}

// ReleaseMetaCall ends the claim's lease at once, the call left open (its
// fate unknown): the next try takes it over without waiting for the lease.
func (s *Store) ReleaseMetaCall(ctx context.Context, removalID, runID string, p domain.MetaPart, n int, claim string) error {
	_, err := s.q().ExecContext(ctx, `UPDATE meta_call_intents SET lease_until = clock_timestamp()
		WHERE key = $1 AND claim = $2 AND status = 'open'`, domain.MetaCallKey(removalID, runID, p, n), claim)
	return mapErr(err)
}

// OpenMetaCalls lists the intents still open, oldest first: calls in flight
// (lease left) and calls whose worker died mid-call.
func (s *Store) OpenMetaCalls(ctx context.Context, limit int) ([]domain.MetaCall, error) {
	var out []domain.MetaCall
	err := s.q().SelectContext(ctx, &out, `SELECT key, removal_id, run_id, part, attempt, status, calls, opened_at, lease_until,
			lease_until > clock_timestamp() AS lease_left
		FROM meta_call_intents WHERE status = 'open' ORDER BY opened_at LIMIT $1`, limit)
	return out, mapErr(err)
}

// AbandonMetaCalls marks the run's open intents abandoned: the run closed
// and nothing will try them again. It returns those it marked.
func (s *Store) AbandonMetaCalls(ctx context.Context, removalID, runID string) ([]domain.MetaCall, error) {
	var out []domain.MetaCall
	err := s.q().SelectContext(ctx, &out, `UPDATE meta_call_intents SET status = 'abandoned', settled_at = clock_timestamp()
		WHERE removal_id = $1 AND run_id = $2 AND status = 'open'
		RETURNING key, removal_id, run_id, part, attempt, status, calls, opened_at, lease_until, false AS lease_left`, removalID, runID)
	return out, mapErr(err)
}
