package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

// RemoveChannel tombstones a channel in one transaction: lock the row, re-check
// there is no active attendance, move the token to the unlink job, wipe the
// credentials, detach references, mark it removed and write the audit record.
// No statement writes to conversations or messages: its cost does not depend on
// how many there are. A second call finds the tombstone and changes nothing.
func (s *Store) RemoveChannel(ctx context.Context, in domain.Tombstone) (domain.TombstoneResult, error) {
	var res domain.TombstoneResult
	err := s.inTx(ctx, func(tx querier) error {
		var ch domain.Channel
		if err := tx.GetContext(ctx, &ch, `SELECT `+channelCols+` FROM channels WHERE id = $1 FOR UPDATE`, in.ChannelID); err != nil {
			return err
		}
		if ch.Status == domain.ChannelRemoved {
			res.AlreadyRemoved = true
			var pending bool
			err := tx.GetContext(ctx, &pending, `SELECT EXISTS (SELECT 1 FROM meta_unlinks WHERE removal_id = $1 AND run_id = $2)`, in.RemovalID, in.RunID)
			res.UnlinkPending = pending
			return err
		}
		active, err := activeAttendances(ctx, tx, in.ChannelID, 20)
		if err != nil {
			return err
		}
		if len(active) > 0 {
			return (&domain.Error{Code: domain.CodeActiveAttendances,
				Message: "o canal tem atendimentos ativos; encerre-os antes de remover"}).With("active_attendances", active)
		}
		// One statement for the tombstone's writes: the unlink job takes the
		// token (the statement's snapshot still has it) as the credentials
		// are deleted, the channel is marked removed, and the references are
		// detached, counted by the rows it updates.
		kind, object := domain.UnlinkTarget(ch)
		res.UnlinkPending = object != ""
		r, err := tx.ExecContext(ctx, `
			WITH unlink AS (
				INSERT INTO meta_unlinks (removal_id, run_id, channel_id, object_kind, object_id, access_token, updated_at)
				SELECT $1, $2, $3, $4, $5, (SELECT access_token FROM channel_credentials WHERE channel_id = $3), $6
				WHERE $5 <> ''
				ON CONFLICT (removal_id, run_id) DO NOTHING),
			credentials AS (DELETE FROM channel_credentials WHERE channel_id = $3),
			tombstone AS (UPDATE channels SET status = 'removed', removed_at = $6, removed_by = $1 WHERE id = $3)
			UPDATE channel_references SET detached_channel_id = channel_id, channel_id = NULL, detached_at = $6
			WHERE channel_id = $3`,
			in.RemovalID, in.RunID, ch.ID, kind, object, in.Now)
		if err != nil {
			return err
		}
		n, _ := r.RowsAffected()
		res.DetachedReferences = int(n)
		err = appendAudit(ctx, tx, domain.AuditEntry{
			RemovalID: in.RemovalID, RunID: in.RunID, AccountID: ch.AccountID, ChannelID: ch.ID, Actor: in.Actor,
			Action: "channel_removed", Key: in.RemovalID + "/" + in.RunID + "/channel_removed",
			Detail: map[string]any{"detached_references": n, "unlink_pending": res.UnlinkPending},
			Doc:    removedDoc(res.UnlinkPending),
		})
		if err != nil || res.UnlinkPending || !in.FinishIfNothingOwed {
			return err
		}
		return appendAudit(ctx, tx, domain.AuditEntry{
			RemovalID: in.RemovalID, RunID: in.RunID, AccountID: ch.AccountID, ChannelID: ch.ID, Actor: in.Actor,
			Action: "removal_completed", Key: in.RemovalID + "/" + in.RunID + "/removal_completed"})
	})
	return res, err
}

const unlinkCols = `removal_id, run_id, channel_id, object_kind, object_id, COALESCE(access_token, '') AS access_token, status,
	attempts, COALESCE(last_error, '') AS last_error`

// UnlinkJob reads a run's unlink job and, for a WABA, in the same statement,
// how many other live channels use it; ok is false when none is owed.
func (s *Store) UnlinkJob(ctx context.Context, removalID, runID string) (u domain.Unlink, ok bool, err error) {
	err = s.q().GetContext(ctx, &u, `SELECT `+unlinkCols+`,
			CASE WHEN object_kind = 'waba' THEN (SELECT count(*) FROM channels c
				WHERE c.waba_id = m.object_id AND c.status = 'active' AND c.id <> m.channel_id) ELSE 0 END AS other_live_channels
		FROM meta_unlinks m WHERE removal_id = $1 AND run_id = $2`, removalID, runID)
	if errors.Is(err, sql.ErrNoRows) {
		return u, false, nil
	}
	return u, err == nil, mapErr(err)
}

// SettleUnlink records a settled attempt (unlinked or skipped: the token is
// erased) and, in the same statement, the step's audit records in order, the
// read model moving with the last: the unlink is recorded exactly when its
// records are, and an attempt that fails before it is simply retried (Meta
// answers a second unsubscribe as done).
func (s *Store) SettleUnlink(ctx context.Context, removalID, runID, status string, now time.Time, records ...domain.AuditEntry) (domain.Unlink, error) {
	if len(records) == 0 || records[0].RemovalID != removalID || records[0].RunID != runID {
		return domain.Unlink{}, fmt.Errorf("SettleUnlink: records of %s/%s needed", removalID, runID)
	}
	last := records[len(records)-1]
	args, err := auditArgs(last)
	if err != nil {
		return domain.Unlink{}, err
	}
	earlier, err := earlierArgs(last, records[:len(records)-1])
	if err != nil {
		return domain.Unlink{}, err
	}
	at := make([]int, len(records)-1)
	for i := range at {
		at[i] = 15 + 3*i
	}
	var u domain.Unlink
	err = s.q().GetContext(ctx, &u, auditStatement(`rec AS (
			UPDATE meta_unlinks SET attempts = attempts + 1, status = $13, last_error = NULL, updated_at = $14, access_token = NULL
			WHERE removal_id = $1 AND run_id = $2
			RETURNING `+unlinkCols+`),`, `EXISTS (SELECT 1 FROM rec)`, `SELECT * FROM rec`, at...),
		append(append(args, status, now), earlier...)...)
	return u, mapErr(err)
}

// RecordUnlinkAttempt counts one attempt and its outcome. Settled outcomes
// (unlinked, skipped, abandoned) erase the token: nothing is left to call Meta with.
func (s *Store) RecordUnlinkAttempt(ctx context.Context, removalID, runID, status, lastError string, now time.Time) (domain.Unlink, error) {
	var u domain.Unlink
	err := s.q().GetContext(ctx, &u, `
		UPDATE meta_unlinks SET
			attempts = attempts + CASE WHEN $3 = 'abandoned' THEN 0 ELSE 1 END,
			status = $3, last_error = NULLIF($4, ''), updated_at = $5,
			access_token = CASE WHEN $3 IN ('unlinked', 'skipped', 'abandoned') THEN NULL ELSE access_token END
		WHERE removal_id = $1 AND run_id = $2
		RETURNING `+unlinkCols,
		removalID, runID, status, lastError, now)
	return u, mapErr(err)
}

// removedDoc: with no unlink owed, the document says so at once.
func removedDoc(unlinkPending bool) map[string]any {
	if unlinkPending {
		return nil
	}
	return map[string]any{"meta_unlink": map[string]any{"status": "not_needed", "attempts": 0}}
}
