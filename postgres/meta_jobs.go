package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

// The Meta jobs a tombstone owes (unsubscribe, number, override, credit
// line): read with the run, and each attempt counted with its records.

const unlinkCols = `removal_id, run_id, channel_id, object_kind, object_id, COALESCE(access_token, '') AS access_token, status,
	attempts, COALESCE(last_error, '') AS last_error`

// UnlinkJob reads a run's unlink job with, for a WABA, how many other live
// channels use it, and the number's release, all in one statement; ok is
// false when neither is owed. Status "" says no unsubscribe is owed (only
// the number), NumberStatus "" that no release was asked for.
func (s *Store) UnlinkJob(ctx context.Context, removalID, runID string) (u domain.Unlink, ok bool, err error) {
	var row unlinkRow
	err = s.q().GetContext(ctx, &row, `SELECT k.removal_id, k.run_id, COALESCE(m.channel_id::text, n.channel_id::text, '') AS channel_id,
			COALESCE(m.object_kind, '') AS object_kind, COALESCE(m.object_id, '') AS object_id,
			COALESCE(m.access_token, '') AS access_token, COALESCE(m.status, '') AS status,
			COALESCE(m.attempts, 0) AS attempts, COALESCE(m.last_error, '') AS last_error,
			CASE WHEN m.object_kind = 'waba' THEN (SELECT count(*) FROM channels c
				WHERE c.waba_id = m.object_id AND c.status = 'active' AND c.id <> m.channel_id) ELSE 0 END AS other_live_channels,
			COALESCE(n.phone_number_id, '') AS number_phone_number_id, COALESCE(n.access_token, '') AS number_access_token,
			COALESCE(n.status, '') AS number_status, COALESCE(n.attempts, 0) AS number_attempts,
			COALESCE(n.last_error, '') AS number_last_error,
			COALESCE(o.phone_number_id, '') AS override_phone_number_id, COALESCE(o.override_uri, '') AS override_uri,
			COALESCE(o.access_token, '') AS override_access_token, COALESCE(o.status, '') AS override_status,
			COALESCE(o.attempts, 0) AS override_attempts, COALESCE(o.last_error, '') AS override_last_error,
			COALESCE(cl.waba_id, '') AS credit_waba_id, COALESCE(cl.allocation_config_id, '') AS credit_allocation_config_id,
			COALESCE(cl.access_token, '') AS credit_access_token, COALESCE(cl.status, '') AS credit_status,
			COALESCE(cl.attempts, 0) AS credit_attempts, COALESCE(cl.last_error, '') AS credit_last_error,
			-- one allocation config serves a client business's WABAs: revoking it cuts off each.
			-- FOR SHARE waits for a tombstone in flight (it holds the row FOR UPDATE) and then
			-- counts the row as it committed: a line is never kept for a channel whose
			-- tombstone, begun before this run's release existed, owes it nothing.
			CASE WHEN cl.removal_id IS NULL THEN 0 ELSE (SELECT count(*) FROM (SELECT 1 FROM channels c WHERE c.status = 'active'
				AND c.id <> cl.channel_id AND (c.waba_id = cl.waba_id OR c.credit_allocation_config_id = cl.allocation_config_id)
				FOR SHARE OF c) live)
			END AS credit_other_live_channels,
			COALESCE(r.doc, 'null'::jsonb) AS doc
		FROM (SELECT $1::text AS removal_id, $2::text AS run_id) k
		LEFT JOIN removals r ON r.removal_id = k.removal_id AND r.run_id = k.run_id
		LEFT JOIN meta_unlinks m ON m.removal_id = k.removal_id AND m.run_id = k.run_id
		LEFT JOIN number_releases n ON n.removal_id = k.removal_id AND n.run_id = k.run_id
		LEFT JOIN override_releases o ON o.removal_id = k.removal_id AND o.run_id = k.run_id
		LEFT JOIN credit_line_releases cl ON cl.removal_id = k.removal_id AND cl.run_id = k.run_id`, removalID, runID)
	u = domain.Unlink(row)
	return u, err == nil && (u.Status != "" || u.NumberStatus != "" || u.OverrideStatus != "" || u.CreditStatus != ""), mapErr(err)
}

// RecordUnlinkAttempt counts one attempt and its outcome with, in the same
// statement, the step's audit records (at least one), so an attempt is
// counted exactly when it is recorded: a crash between the two cannot count
// it twice or lose its record. Settled outcomes (unlinked, skipped,
// abandoned) erase the token: nothing is left to call Meta with.
func (s *Store) RecordUnlinkAttempt(ctx context.Context, removalID, runID string, status domain.UnlinkStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.Unlink, error) {
	var u unlinkRow
	err := s.recordAttempt(ctx, &u, "meta_unlinks", unlinkCols, "'unlinked', 'skipped', 'abandoned'", removalID, runID, string(status), lastError, now, records)
	return domain.Unlink(u), err
}

const numberCols = `removal_id, run_id, channel_id, phone_number_id, COALESCE(access_token, '') AS access_token, status,
	attempts, COALESCE(last_error, '') AS last_error`

// RecordNumberAttempt counts one deregistration attempt and its outcome with
// the step's audit records, in one statement (as RecordUnlinkAttempt); a
// released or abandoned number's token is erased.
func (s *Store) RecordNumberAttempt(ctx context.Context, removalID, runID string, status domain.NumberStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.NumberJob, error) {
	var n numberRow
	err := s.recordAttempt(ctx, &n, "number_releases", numberCols, "'released', 'abandoned'", removalID, runID, string(status), lastError, now, records)
	return domain.NumberJob(n), err
}

const overrideCols = `removal_id, run_id, channel_id, phone_number_id, override_uri, COALESCE(access_token, '') AS access_token,
	status, attempts, COALESCE(last_error, '') AS last_error`

// RecordOverrideAttempt counts one attempt at the number's override and its
// outcome with the step's audit records, in one statement (as
// RecordUnlinkAttempt); a settled or abandoned override's token is erased.
func (s *Store) RecordOverrideAttempt(ctx context.Context, removalID, runID string, status domain.OverrideStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.OverrideJob, error) {
	var o overrideRow
	err := s.recordAttempt(ctx, &o, "override_releases", overrideCols, "'cleared', 'not_ours', 'abandoned'", removalID, runID, string(status), lastError, now, records)
	return domain.OverrideJob(o), err
}

// recordAttempt counts one attempt at a Meta job of table (the run's row)
// and its outcome, with the step's records; the token is erased once the
// status is one of settled (SQL literals, the job's settled statuses). An
// abandon is an outcome, not an attempt.
func (s *Store) recordAttempt(ctx context.Context, dest any, table, cols, settled, removalID, runID, status, lastError string, now time.Time, records []domain.AuditEntry) error {
	return s.withRecords(ctx, dest, removalID, runID, `
			UPDATE `+table+` SET attempts = attempts + CASE WHEN $13 = 'abandoned' THEN 0 ELSE 1 END,
				status = $13, last_error = NULLIF($14, ''), updated_at = $15,
				access_token = CASE WHEN $13 IN (`+settled+`) THEN NULL ELSE access_token END
			WHERE removal_id = $1 AND run_id = $2
			RETURNING `+cols, []any{status, lastError, now}, records)
}

// withRecords runs rec, a data-modifying statement on the run's row ($1 and
// $2 are its removal and run ids, $13 on its recArgs), and writes records, the
// step's audit records in order, in the same statement, only if rec changed a
// row; it scans rec's returned row into dest.
func (s *Store) withRecords(ctx context.Context, dest any, removalID, runID, rec string, recArgs []any, records []domain.AuditEntry) error {
	if len(records) == 0 || records[0].RemovalID != removalID || records[0].RunID != runID {
		return fmt.Errorf("the records of %s/%s are needed with its step", removalID, runID)
	}
	last := records[len(records)-1]
	args, err := auditArgs(last)
	if err != nil {
		return err
	}
	earlier, err := earlierArgs(last, records[:len(records)-1])
	if err != nil {
		return err
	}
	at := make([]int, len(records)-1)
	for i := range at {
		at[i] = 13 + len(recArgs) + 3*i
	}
	args = append(append(args, recArgs...), earlier...)
	return mapErr(s.q().GetContext(ctx, dest, auditStatement(`rec AS (`+rec+`),`, `EXISTS (SELECT 1 FROM rec)`, `SELECT * FROM rec`, at...), args...))
}

const creditLineCols = `removal_id, run_id, channel_id, waba_id, allocation_config_id, COALESCE(access_token, '') AS access_token,
	status, attempts, COALESCE(last_error, '') AS last_error`

// RecordCreditLineAttempt counts one attempt at revoking the WABA's share of
// our credit line and its outcome with the step's audit records, in one
// statement (as RecordUnlinkAttempt); a settled or abandoned job's token is erased.
func (s *Store) RecordCreditLineAttempt(ctx context.Context, removalID, runID string, status domain.CreditLineStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.CreditLineJob, error) {
	var c creditLineRow
	err := s.recordAttempt(ctx, &c, "credit_line_releases", creditLineCols, "'revoked', 'kept', 'abandoned'", removalID, runID, string(status), lastError, now, records)
	return domain.CreditLineJob(c), err
}
