package postgres

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/crm/channel-removal/domain"
)

// The purge of a removed channel's messages (SPEC §8): its row in
// message_purges, which the removal writes once and the purge workflow
// moves, the legal hold on the channel, and the batches.

const purgeCols = `channel_id, account_id, removal_id, purge_after_days, purge_at, status,
	purged_messages, purged_conversations, started_at, finished_at`

// purgeRow is how the store reads a domain.Purge.
type purgeRow struct {
	ChannelID           string                 `db:"channel_id"`
	AccountID           string                 `db:"account_id"`
	RemovalID           string                 `db:"removal_id"`
	PurgeAfterDays      int                    `db:"purge_after_days"`
	PurgeAt             time.Time              `db:"purge_at"`
	Status              domain.RetentionStatus `db:"status"`
	PurgedMessages      int64                  `db:"purged_messages"`
	PurgedConversations int64                  `db:"purged_conversations"`
	StartedAt           *time.Time             `db:"started_at"`
	FinishedAt          *time.Time             `db:"finished_at"`
}

func (r purgeRow) toDomain() domain.Purge { return domain.Purge(r) }

// SchedulePurge writes the channel's purge as the removal chose it, with its
// audit record, in one statement; a retry writes nothing more.
func (s *Store) SchedulePurge(ctx context.Context, p domain.Purge, e domain.AuditEntry) error {
	return mapErr(appendAuditWith(ctx, s.q(), e, `purge AS (
			INSERT INTO message_purges (channel_id, account_id, removal_id, purge_after_days, purge_at, status)
			VALUES ($13, $14, $15, $16, $17, $18) ON CONFLICT (channel_id) DO NOTHING),`,
		p.ChannelID, p.AccountID, p.RemovalID, p.PurgeAfterDays, p.PurgeAt, p.Status))
}

// Purge reads the channel's purge (ok false: its removal kept the history).
func (s *Store) Purge(ctx context.Context, channelID string) (domain.Purge, bool, error) {
	var rows []purgeRow
	if err := s.q().SelectContext(ctx, &rows, `SELECT `+purgeCols+` FROM message_purges WHERE channel_id = $1`, channelID); err != nil || len(rows) == 0 {
		return domain.Purge{}, false, mapErr(err)
	}
	return rows[0].toDomain(), true, nil
}

// RecordPurge writes the purge's state as the purge workflow decided it
// (status, date), with its audit record, in one statement. A purge
// that has started is never moved back to pending (an update the workflow
// decided before it started, retried after, changes nothing).
func (s *Store) RecordPurge(ctx context.Context, p domain.Purge, e domain.AuditEntry) error {
	return mapErr(appendAuditWith(ctx, s.q(), e, `purge AS (
			UPDATE message_purges SET status = $14, purge_at = $15,
			       finished_at = CASE WHEN $14 = 'purged' THEN coalesce(finished_at, now()) END, updated_at = now()
			WHERE channel_id = $13 AND (status NOT IN ('purging', 'purged') OR $14 IN ('purging', 'purged'))),`,
		p.ChannelID, p.Status, p.PurgeAt))
}

// StartPurge moves the purge to purging, with its audit record, unless a
// legal hold stands. The channel's row is read locked, so a hold committed
// before is seen and one set meanwhile waits for this transaction.
//
// The lock is FOR NO KEY UPDATE, not FOR SHARE: the hold's UPDATE then
// queues behind one batch, first come first served, where share locks taken
// by batch after batch could keep it waiting indefinitely; and two batches of
// one channel never run at once. The channel is removed, so nothing else
// writes or share-locks its row (the message trigger refuses it first).
func (s *Store) StartPurge(ctx context.Context, channelID string, e domain.AuditEntry) (held bool, err error) {
	err = s.inTx(ctx, func(tx querier) error {
		if err := tx.GetContext(ctx, &held, `SELECT hold_reason IS NOT NULL FROM channels WHERE id = $1 FOR NO KEY UPDATE`, channelID); err != nil || held {
			return err
		}
		return appendAuditWith(ctx, tx, e, `purge AS (
			UPDATE message_purges SET status = 'purging', started_at = coalesce(started_at, now()), updated_at = now()
			WHERE channel_id = $13 AND status IN ('scheduled', 'held', 'purging')),`, channelID)
	})
	return held, err
}

// purgeConversations is how many conversations one batch takes.
const purgeConversations = 200

// PurgeBatch deletes, in one short transaction, up to size messages of the
// channel's next conversations still holding any, marks those it emptied
// messages_purged, and adds both counts to the purge's row, which it returns:
// a batch is whole or not at all, so a kill mid-way loses nothing and counts
// nothing twice. It touches only the channel's own rows (their ids come from
// the channel's partial index), and stops, touching nothing, while a legal
// hold stands (read under the channel's row lock, as StartPurge). Done:
// nothing was left.
func (s *Store) PurgeBatch(ctx context.Context, channelID string, size int) (b domain.PurgeBatch, p domain.Purge, err error) {
	err = s.inTx(ctx, func(tx querier) error {
		if err := tx.GetContext(ctx, &b.Held, `SELECT hold_reason IS NOT NULL FROM channels WHERE id = $1 FOR NO KEY UPDATE`, channelID); err != nil || b.Held {
			return err
		}
		var ids []string
		if err := tx.SelectContext(ctx, &ids, `SELECT id FROM conversations WHERE channel_id = $1 AND messages_purged_at IS NULL
				ORDER BY id LIMIT $2`, channelID, purgeConversations); err != nil {
			return err
		}
		b.Done = len(ids) == 0
		if !b.Done {
			if err := tx.GetContext(ctx, &b.Messages, `WITH gone AS (
					DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE conversation_id = ANY($1::uuid[]) LIMIT $2)
					RETURNING 1)
				SELECT count(*) FROM gone`, pq.Array(ids), size); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, `UPDATE conversations v SET messages_purged_at = now()
				WHERE v.id = ANY($1::uuid[]) AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = v.id)`, pq.Array(ids))
			if err != nil {
				return err
			}
			b.Conversations, _ = res.RowsAffected()
		}
		var row purgeRow
		if err := tx.GetContext(ctx, &row, `UPDATE message_purges SET purged_messages = purged_messages + $2,
				purged_conversations = purged_conversations + $3, updated_at = now()
			WHERE channel_id = $1 RETURNING `+purgeCols, channelID, b.Messages, b.Conversations); err != nil {
			return err
		}
		p = row.toDomain()
		return nil
	})
	return b, p, err
}

// Held reads whether a legal hold stands on the channel.
func (s *Store) Held(ctx context.Context, channelID string) (held bool, err error) {
	err = s.q().GetContext(ctx, &held, `SELECT hold_reason IS NOT NULL FROM channels WHERE id = $1`, channelID)
	return held, mapErr(err)
}
