package postgres

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
)

// RecordDelivery keeps a signed webhook delivery once, under its id (the
// SHA-256 of its raw body): fresh is false for a delivery seen before, and
// processed says its work is done (pending false: it has none), so nothing
// is to be started for it again; first is when it was first received (the
// delivery's age, for entries that carry no time of their own).
func (s *Store) RecordDelivery(ctx context.Context, id string, body []byte, at time.Time, pending bool) (fresh, processed bool, first time.Time, err error) {
	err = s.q().ScanRow(ctx, `INSERT INTO meta_webhook_deliveries AS d (id, body, received_at, processed_at)
			VALUES ($1, $2, $3, CASE WHEN $4 THEN NULL ELSE $3::timestamptz END)
		ON CONFLICT (id) DO UPDATE SET id = d.id
		RETURNING xmax = 0, processed_at IS NOT NULL, received_at`, []any{id, body, at, pending}, &fresh, &processed, &first)
	return fresh, processed, first, mapErr(err)
}

// DisconnectWABA marks every live channel on the WABA disconnected, each with
// its record of the delivery and event that did it, in one statement, and
// returns the channels this delivery disconnected: those it marks now and, for
// a retried step, those it marked before. A channel being removed keeps its
// row lock until the tombstone commits, and is then no longer live. The
// delivery's last event (last) marks it processed in the same statement.
func (s *Store) DisconnectWABA(ctx context.Context, deliveryID string, ev domain.AccessLost, at time.Time, last bool) ([]domain.DisconnectedChannel, error) {
	var rows []disconnectedRow
	err := s.q().SelectContext(ctx, &rows, `WITH done AS (
			UPDATE meta_webhook_deliveries SET processed_at = coalesce(processed_at, $4) WHERE id = $1 AND $5),
		hit AS (
			UPDATE channels SET status = 'disconnected' WHERE waba_id = $2 AND status = 'active'
			RETURNING id, account_id, name, waba_id),
		rec AS (
			INSERT INTO channel_disconnections (channel_id, delivery_id, waba_id, event, disconnected_at)
			SELECT id, $1, $2, $3, $4 FROM hit ON CONFLICT (channel_id) DO NOTHING)
		SELECT id, account_id, name, waba_id, $3 AS event FROM hit
		UNION
		SELECT c.id, c.account_id, c.name, c.waba_id, d.event FROM channel_disconnections d JOIN channels c ON c.id = d.channel_id
		WHERE d.delivery_id = $1 AND d.waba_id = $2
		ORDER BY name, id`, deliveryID, ev.WABAID, ev.Event, at, last)
	chs := make([]domain.DisconnectedChannel, len(rows))
	for i, r := range rows {
		chs[i] = domain.DisconnectedChannel(r)
	}
	return chs, mapErr(err)
}

// LiveChannelsOnWABA reads the WABA's live channels, by name.
func (s *Store) LiveChannelsOnWABA(ctx context.Context, wabaID string) ([]domain.WABAChannel, error) {
	var rows []disconnectedRow
	err := s.q().SelectContext(ctx, &rows, `SELECT id, account_id, name, waba_id, '' AS event FROM channels
		WHERE waba_id = $1 AND status = 'active' ORDER BY name, id`, wabaID)
	chs := make([]domain.WABAChannel, len(rows))
	for i, r := range rows {
		chs[i] = domain.WABAChannel{ID: r.ID, AccountID: r.AccountID, Name: r.Name, WABAID: r.WABAID}
	}
	return chs, mapErr(err)
}

// MarkDeliveryProcessed marks the delivery's work done (once: the first time stays).
func (s *Store) MarkDeliveryProcessed(ctx context.Context, deliveryID string, at time.Time) error {
	_, err := s.q().ExecContext(ctx, `UPDATE meta_webhook_deliveries SET processed_at = coalesce(processed_at, $2) WHERE id = $1`,
		deliveryID, at)
	return mapErr(err)
}
