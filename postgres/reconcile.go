package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/crm/channel-removal/domain"
)

// The reconciler's reads and writes (app/reconcile.go): the rows a run that
// closed without writing its end left behind, and the compare-and-set that
// ends each, with its audit record, only while the row still says what was
// read. Several processes reconciling at once write each end once: the
// second compare-and-set finds the row moved on, and writes nothing.

// staleRemovalRow is a removals row read with whether its removal tombstoned the channel.
type staleRemovalRow struct {
	removalRecordRow
	Tombstoned bool `db:"tombstoned"`
}

// StaleRemovals lists up to limit removal runs whose row is not final and
// was last written before before, in the order (updated_at, removal_id,
// run_id), after the run after (zero: from the first). Tombstoned: the
// channel is removed, by this removal.
func (s *Store) StaleRemovals(ctx context.Context, before time.Time, after domain.RemovalRecord, limit int) ([]domain.StaleRemoval, error) {
	var rows []staleRemovalRow
	err := s.q().SelectContext(ctx, &rows, `SELECT r.removal_id, r.run_id, r.account_id, r.channel_id, r.status, r.created_at,
			r.updated_at, r.completed_at, r.doc, coalesce(c.status = 'removed' AND c.removed_by = r.removal_id, false) AS tombstoned
		FROM removals r JOIN channels c ON c.id = r.channel_id
		WHERE r.completed_at IS NULL AND r.updated_at < $1 AND (r.updated_at, r.removal_id, r.run_id) > ($2, $3, $4)
		ORDER BY r.updated_at, r.removal_id, r.run_id LIMIT $5`, before, after.UpdatedAt, after.RemovalID, after.RunID, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.StaleRemoval, len(rows))
	for i, r := range rows {
		out[i] = domain.StaleRemoval{Record: r.toDomain(), Tombstoned: r.Tombstoned}
	}
	return out, nil
}

// stalePurgeRow is a message_purges row read with when it was last written
// and the run of the removal that scheduled it.
type stalePurgeRow struct {
	purgeRow
	UpdatedAt    time.Time `db:"updated_at"`
	RemovalRunID string    `db:"removal_run_id"`
}

// noChannel is the zero of the purges' order.
const noChannel = "00000000-0000-0000-0000-000000000000"

// StalePurges lists up to limit pending purges (scheduled, held, purging)
// last written before before, in the order (updated_at, channel_id), after
// the purge after (zero: from the first).
func (s *Store) StalePurges(ctx context.Context, before time.Time, after domain.StalePurge, limit int) ([]domain.StalePurge, error) {
	channel := after.Purge.ChannelID
	if channel == "" {
		channel = noChannel
	}
	var rows []stalePurgeRow
	err := s.q().SelectContext(ctx, &rows, `SELECT p.channel_id, p.account_id, p.removal_id, p.purge_after_days, p.purge_at,
			p.status, p.purged_messages, p.purged_conversations, p.started_at, p.finished_at, p.updated_at,
			coalesce((SELECT a.run_id FROM removal_audit_log a WHERE a.removal_id = p.removal_id AND a.channel_id = p.channel_id
				AND a.action = 'purge_scheduled' ORDER BY a.id DESC LIMIT 1), '') AS removal_run_id
		FROM message_purges p
		WHERE p.status IN ('scheduled', 'held', 'purging') AND p.updated_at < $1 AND (p.updated_at, p.channel_id) > ($2, $3::uuid)
		ORDER BY p.updated_at, p.channel_id LIMIT $4`, before, after.UpdatedAt, channel, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.StalePurge, len(rows))
	for i, r := range rows {
		out[i] = domain.StalePurge{Purge: r.toDomain(), UpdatedAt: r.UpdatedAt, RemovalRunID: r.RemovalRunID}
	}
	return out, nil
}

// errDocInRecord: a reconciled end's document goes with its compare-and-set, not with its record.
var errDocInRecord = errors.New("the reconciled document is written by the compare-and-set, not by its audit record")

// SettleRemoval ends a run's row with doc, final, and writes its audit
// record e, in one statement, only if the row still says what read says
// (status and updated_at, not final); won is false, and nothing is written,
// when it moved on (another process settled it, or the run wrote it).
func (s *Store) SettleRemoval(ctx context.Context, read domain.RemovalRecord, doc domain.Removal, e domain.AuditEntry) (won bool, err error) {
	if e.Removal != nil {
		return false, errDocInRecord
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return false, err
	}
	return s.settle(ctx, e, `UPDATE removals SET status = $13, doc = $14::jsonb, updated_at = now(), completed_at = now()
			WHERE removal_id = $1 AND run_id = $2 AND status = $15 AND updated_at = $16 AND completed_at IS NULL`,
		string(doc.Status), string(body), read.Status, read.UpdatedAt)
}

// SettlePurge moves a pending purge to next's status, and writes its audit
// record e, in one statement, only if the row still says what read says
// (status and updated_at); won is false, and nothing is written, otherwise.
// Its counts stay as the batches left them.
func (s *Store) SettlePurge(ctx context.Context, read domain.StalePurge, next domain.Purge, e domain.AuditEntry) (won bool, err error) {
	if e.Removal != nil {
		return false, errDocInRecord
	}
	return s.settle(ctx, e, `UPDATE message_purges SET status = $13, updated_at = now()
			WHERE channel_id = $14::uuid AND status = $15 AND updated_at = $16`,
		string(next.Status), read.Purge.ChannelID, string(read.Purge.Status), read.UpdatedAt)
}

// settle runs cas, an UPDATE whose parameters are $13 on (casArgs), and
// writes e only where it changed a row, in one statement. A concurrent
// settle waits for the row's lock, then finds it changed (READ COMMITTED
// re-reads the row an UPDATE waited for) and writes nothing.
func (s *Store) settle(ctx context.Context, e domain.AuditEntry, cas string, casArgs ...any) (bool, error) {
	args, err := auditArgs(e)
	if err != nil {
		return false, err
	}
	var won bool
	err = s.q().ScanRow(ctx, auditStatement(`cas AS (`+cas+` RETURNING 1),`, `EXISTS (SELECT 1 FROM cas)`, `SELECT EXISTS (SELECT 1 FROM cas)`),
		append(args, casArgs...), &won)
	return won, mapErr(err)
}
