package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

// RemoveChannel tombstones a channel in one transaction: lock the row, then,
// in one statement, re-check there is no active attendance and, only then,
// move the token to the unlink job, wipe the credentials, detach references,
// mark it removed and write the audit record(s). No statement writes to
// conversations or messages: its cost does not depend on how many there are.
// A second call finds the tombstone and changes nothing.
func (s *Store) RemoveChannel(ctx context.Context, in domain.Tombstone) (domain.TombstoneResult, error) {
	var res domain.TombstoneResult
	err := s.inTx(ctx, func(tx querier) error {
		for try := 0; ; try++ {
			// The lock comes first, in a statement of its own: the re-check
			// must see what committed while this waited for it (READ
			// COMMITTED takes a new snapshot per statement). The reference
			// count it reads can only fall before the next statement (a new
			// reference would need this row's key-share lock); the writes
			// check it, so the record says exactly what was detached.
			var cur struct {
				channelRow
				References   int    `db:"refs"`
				Subscription bool   `db:"subscription"`
				Number       bool   `db:"number"`
				Override     bool   `db:"override"`
				CreditLine   bool   `db:"credit_line"`
				OwedCredit   string `db:"owed_credit"`
			}
			if err := tx.GetContext(ctx, &cur, `SELECT `+channelCols+`,
					(SELECT count(*) FROM channel_references r WHERE r.channel_id = c.id) AS refs,
					EXISTS (SELECT 1 FROM meta_unlinks WHERE removal_id = $2 AND run_id = $3) AS subscription,
					EXISTS (SELECT 1 FROM number_releases WHERE removal_id = $2 AND run_id = $3) AS number,
					EXISTS (SELECT 1 FROM override_releases WHERE removal_id = $2 AND run_id = $3) AS override,
					EXISTS (SELECT 1 FROM credit_line_releases WHERE removal_id = $2 AND run_id = $3) AS credit_line,
					COALESCE(`+unrevokedCreditLine+`, '') AS owed_credit
				FROM channels c WHERE c.id = $1 FOR UPDATE`, in.ChannelID, in.RemovalID, in.RunID); err != nil {
				return err
			}
			ch := cur.toDomain()
			if ch.Status == domain.ChannelRemoved {
				res.AlreadyRemoved, res.Subscription, res.Number, res.Override = true, cur.Subscription, cur.Number, cur.Override
				res.WABAOverride, res.CreditLine = ch.WABAOverride != nil, cur.CreditLine
				return nil
			}
			kind, object := domain.UnlinkTarget(ch)
			number := in.ReleaseNumber && domain.NumberReleaseOffered(ch.Kind, ch.Status == domain.ChannelDisconnected, ch.Coexistence) && ch.PhoneNumber != nil && *ch.PhoneNumber != ""
			res.Subscription, res.Number, res.DetachedReferences = object != "", number, cur.References
			// Overrides are ours to clear only while Meta still lets our app in.
			live := ch.Status != domain.ChannelDisconnected
			res.Override = live && ch.NumberOverride != nil && ch.PhoneNumber != nil
			res.WABAOverride = live && ch.WABAOverride != nil && kind == "waba"
			// Our credit line is revoked with the WABA's unlink; a WABA Meta
			// already took from us is the business's to settle with Meta,
			// unless another removal kept our line for this channel (on its
			// WABA or its allocation config): the other WABA is still on our
			// line, and nobody else is left to revoke it. A channel recorded
			// without the config still owes a line another removal kept, or
			// may keep, for it on its WABA (unrevokedCreditLine).
			onWABA := ch.Kind == domain.KindWhatsAppCloud && ch.WABAID != nil && *ch.WABAID != ""
			res.CreditLine = onWABA && (live && ch.CreditAllocation != nil && *ch.CreditAllocation != "" || cur.OwedCredit != "")
			res.MetaAccessLost = ch.Status == domain.ChannelDisconnected
			cleared, active, err := s.tombstone(ctx, tx, in, ch, res, kind, object)
			if err != nil || cleared {
				return err
			}
			if len(active) > 0 {
				return (&domain.Error{Code: domain.CodeActiveAttendances,
					Message: "o canal tem atendimentos ativos; encerre-os antes de remover"}).With("active_attendances", active)
			}
			if try == 2 {
				return fmt.Errorf("tombstone of %s: its references kept changing", ch.ID)
			}
		}
	})
	return res, err
}

// unrevokedCreditLine is the allocation config of our credit line that
// another removal on channel c's WABA owes or kept and has not revoked: a
// number added to the WABA after the share may be recorded without the
// config, and when that removal keeps the line for it (c live), c's removal
// is the one left to revoke it. Not only "kept": the other removal may have
// seen c live and not yet recorded its keep, and this tombstone cannot wait
// for it; if it revokes after all, c's revocation finds it already revoked.
//
// The same holds for a line another removal kept on the same allocation
// config (another WABA of the client's business): a channel Meta cut off
// since owes it still, for a cut-off channel is nobody's to keep it for.
const unrevokedCreditLine = `(SELECT k.allocation_config_id FROM credit_line_releases k
	WHERE (k.waba_id = c.waba_id OR k.allocation_config_id = c.credit_allocation_config_id) AND k.status <> 'revoked'
	ORDER BY k.updated_at DESC LIMIT 1)`

// tombstone is the tombstone's one writing statement: nothing is written
// unless the channel has no active attendance and still the references
// counted under the lock (cleared false: active lists the attendances, or
// none when only the count moved).
func (s *Store) tombstone(ctx context.Context, tx querier, in domain.Tombstone, ch domain.Channel, res domain.TombstoneResult, kind, object string) (bool, []domain.Attendance, error) {
	records := domain.TombstoneRecords(in, ch, res)
	last := records[len(records)-1]
	args, err := auditArgs(last)
	if err != nil {
		return false, nil, err
	}
	earlier, err := earlierArgs(last, records[:len(records)-1])
	if err != nil {
		return false, nil, err
	}
	at := make([]int, len(records)-1)
	for i := range at {
		at[i] = 21 + 3*i
	}
	// The unlink job takes the token (the statement's snapshot still has it)
	// as the credentials are deleted.
	var cleared bool
	var active []byte
	err = tx.ScanRow(ctx, auditStatement(`active AS (
			SELECT v.id AS conversation_id, ct.name AS contact, v.status
			FROM conversations v JOIN contacts ct ON ct.id = v.contact_id
			WHERE v.channel_id = $16 AND v.status IN ('open', 'pending')
			ORDER BY v.updated_at DESC LIMIT 20),
		clear AS (SELECT NOT EXISTS (SELECT 1 FROM active)
			AND (SELECT count(*) FROM channel_references WHERE channel_id = $16) = $17 AS ok),
		unlink AS (
			INSERT INTO meta_unlinks (removal_id, run_id, channel_id, object_kind, object_id, access_token, updated_at)
			SELECT $1, $2, $16, $13, $14, (SELECT access_token FROM channel_credentials WHERE channel_id = $16), $15
			WHERE $14 <> '' AND (SELECT ok FROM clear)
			ON CONFLICT (removal_id, run_id) DO NOTHING),
		number AS (
			INSERT INTO number_releases (removal_id, run_id, channel_id, phone_number_id, access_token, updated_at)
			SELECT $1, $2, $16, c.phone_number_id, (SELECT access_token FROM channel_credentials WHERE channel_id = $16), $15
			FROM channels c WHERE c.id = $16 AND $18 AND (SELECT ok FROM clear)
			ON CONFLICT (removal_id, run_id) DO NOTHING),
		override AS (
			INSERT INTO override_releases (removal_id, run_id, channel_id, phone_number_id, override_uri, access_token, updated_at)
			SELECT $1, $2, $16, c.phone_number_id, c.number_override_uri, (SELECT access_token FROM channel_credentials WHERE channel_id = $16), $15
			FROM channels c WHERE c.id = $16 AND $19 AND (SELECT ok FROM clear)
			ON CONFLICT (removal_id, run_id) DO NOTHING),
		credit AS (
			-- no token: the revocation is our business's (META_PARTNER_TOKEN), not the channel's
			INSERT INTO credit_line_releases (removal_id, run_id, channel_id, waba_id, allocation_config_id, access_token, updated_at)
			SELECT $1, $2, $16, c.waba_id, COALESCE(c.credit_allocation_config_id, `+unrevokedCreditLine+`), NULL, $15
			FROM channels c WHERE c.id = $16 AND $20 AND (SELECT ok FROM clear)
			ON CONFLICT (removal_id, run_id) DO NOTHING),
		credentials AS (DELETE FROM channel_credentials WHERE channel_id = $16 AND (SELECT ok FROM clear)),
		tombstone AS (UPDATE channels SET status = 'removed', removed_at = $15, removed_by = $1 WHERE id = $16 AND (SELECT ok FROM clear)),
		detached AS (
			UPDATE channel_references SET detached_channel_id = channel_id, channel_id = NULL, detached_at = $15
			WHERE channel_id = $16 AND (SELECT ok FROM clear)),`,
		`(SELECT ok FROM clear)`,
		`SELECT (SELECT ok FROM clear), (SELECT coalesce(json_agg(a), '[]') FROM active a)`, at...),
		append(append(args, kind, object, in.Now, ch.ID, res.DetachedReferences, res.Number, res.Override, res.CreditLine), earlier...), &cleared, &active)
	if err != nil || cleared {
		return cleared, nil, err
	}
	var as []domain.Attendance
	return false, as, json.Unmarshal(active, &as)
}

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
	err := s.withRecords(ctx, &u, removalID, runID, `
			UPDATE meta_unlinks SET
				attempts = attempts + CASE WHEN $13 = 'abandoned' THEN 0 ELSE 1 END,
				status = $13, last_error = NULLIF($14, ''), updated_at = $15,
				access_token = CASE WHEN $13 IN ('unlinked', 'skipped', 'abandoned') THEN NULL ELSE access_token END
			WHERE removal_id = $1 AND run_id = $2
			RETURNING `+unlinkCols, []any{status, lastError, now}, records)
	return domain.Unlink(u), err
}

const numberCols = `removal_id, run_id, channel_id, phone_number_id, COALESCE(access_token, '') AS access_token, status,
	attempts, COALESCE(last_error, '') AS last_error`

// RecordNumberAttempt counts one deregistration attempt and its outcome with
// the step's audit records, in one statement (as RecordUnlinkAttempt); a
// released or abandoned number's token is erased.
func (s *Store) RecordNumberAttempt(ctx context.Context, removalID, runID string, status domain.NumberStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.NumberJob, error) {
	var n numberRow
	err := s.withRecords(ctx, &n, removalID, runID, `
			UPDATE number_releases SET attempts = attempts + CASE WHEN $13 = 'abandoned' THEN 0 ELSE 1 END,
				status = $13, last_error = NULLIF($14, ''), updated_at = $15,
				access_token = CASE WHEN $13 IN ('released', 'abandoned') THEN NULL ELSE access_token END
			WHERE removal_id = $1 AND run_id = $2
			RETURNING `+numberCols, []any{status, lastError, now}, records)
	return domain.NumberJob(n), err
}

const overrideCols = `removal_id, run_id, channel_id, phone_number_id, override_uri, COALESCE(access_token, '') AS access_token,
	status, attempts, COALESCE(last_error, '') AS last_error`

// RecordOverrideAttempt counts one attempt at the number's override and its
// outcome with the step's audit records, in one statement (as
// RecordUnlinkAttempt); a settled or abandoned override's token is erased.
func (s *Store) RecordOverrideAttempt(ctx context.Context, removalID, runID string, status domain.OverrideStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.OverrideJob, error) {
	var o overrideRow
	err := s.withRecords(ctx, &o, removalID, runID, `
			UPDATE override_releases SET attempts = attempts + CASE WHEN $13 = 'abandoned' THEN 0 ELSE 1 END,
				status = $13, last_error = NULLIF($14, ''), updated_at = $15,
				access_token = CASE WHEN $13 IN ('cleared', 'not_ours', 'abandoned') THEN NULL ELSE access_token END
			WHERE removal_id = $1 AND run_id = $2
			RETURNING `+overrideCols, []any{status, lastError, now}, records)
	return domain.OverrideJob(o), err
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
	err := s.withRecords(ctx, &c, removalID, runID, `
			UPDATE credit_line_releases SET attempts = attempts + CASE WHEN $13 = 'abandoned' THEN 0 ELSE 1 END,
				status = $13, last_error = NULLIF($14, ''), updated_at = $15,
				access_token = CASE WHEN $13 IN ('revoked', 'kept', 'abandoned') THEN NULL ELSE access_token END
			WHERE removal_id = $1 AND run_id = $2
			RETURNING `+creditLineCols, []any{status, lastError, now}, records)
	return domain.CreditLineJob(c), err
}
