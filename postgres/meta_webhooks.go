package postgres

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
)

// RecordDelivery keeps a signed webhook delivery once, under its id (the
// SHA-256 of its raw body); fresh is false for a delivery Meta repeated.
func (s *Store) RecordDelivery(ctx context.Context, id string, body []byte, at time.Time) (fresh bool, err error) {
	res, err := s.q().ExecContext(ctx, `INSERT INTO meta_webhook_deliveries (id, body, received_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO NOTHING`, id, body, at)
	if err != nil {
		return false, mapErr(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// DisconnectWABA marks every live channel on the WABA disconnected, each with
// its record of the delivery and event that did it, in one statement, and
// returns the channels this delivery disconnected: those it marks now and, for
// a retried step, those it marked before. A channel being removed keeps its
// row lock until the tombstone commits, and is then no longer live.
func (s *Store) DisconnectWABA(ctx context.Context, deliveryID string, ev domain.AccessLost, at time.Time) ([]domain.DisconnectedChannel, error) {
	chs := []domain.DisconnectedChannel{}
	err := s.q().SelectContext(ctx, &chs, `WITH hit AS (
			UPDATE channels SET status = 'disconnected' WHERE waba_id = $2 AND status = 'active'
			RETURNING id, account_id, name, waba_id),
		rec AS (
			INSERT INTO channel_disconnections (channel_id, delivery_id, waba_id, event, disconnected_at)
			SELECT id, $1, $2, $3, $4 FROM hit ON CONFLICT (channel_id) DO NOTHING)
		SELECT id, account_id, name, waba_id, $3 AS event FROM hit
		UNION
		SELECT c.id, c.account_id, c.name, c.waba_id, d.event FROM channel_disconnections d JOIN channels c ON c.id = d.channel_id
		WHERE d.delivery_id = $1 AND d.waba_id = $2
		ORDER BY name, id`, deliveryID, ev.WABAID, ev.Event, at)
	return chs, mapErr(err)
}
