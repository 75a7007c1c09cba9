package postgres

import (
	"context"
	"encoding/json"
	"time"

	"github.com/crm/channel-removal/domain"
)

// The integrations' deliveries: one row per event and endpoint, written once
// (its id is the webhook-id, derived from the fact), and each POST's answer.

// AddWebhookDelivery stores a delivery unless it exists: a fact published
// again keeps its first body, timestamp and all.
func (s *Store) AddWebhookDelivery(ctx context.Context, id, endpointID string, t domain.EventType, payload []byte) error {
	_, err := s.q().ExecContext(ctx, `INSERT INTO webhook_deliveries (id, endpoint_id, event_type, payload)
		VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`, id, endpointID, string(t), string(payload))
	return mapErr(err)
}

type deliveryRow struct {
	ID          string     `db:"id"`
	EndpointID  string     `db:"endpoint_id"`
	Type        string     `db:"event_type"`
	CreatedAt   time.Time  `db:"created_at"`
	Attempts    int        `db:"attempts"`
	LastStatus  *int       `db:"last_status"`
	LastAnswer  *string    `db:"last_answer"`
	NextTryAt   *time.Time `db:"next_try_at"`
	DeliveredAt *time.Time `db:"delivered_at"`
	FailedAt    *time.Time `db:"failed_at"`
	History     []byte     `db:"history"`
}

func (r deliveryRow) domain() (domain.WebhookDelivery, error) {
	d := domain.WebhookDelivery{ID: r.ID, EndpointID: r.EndpointID, Type: domain.EventType(r.Type), CreatedAt: r.CreatedAt.UTC(),
		Attempts: r.Attempts, LastStatus: r.LastStatus, NextTryAt: utcPtr(r.NextTryAt), DeliveredAt: utcPtr(r.DeliveredAt),
		FailedAt: utcPtr(r.FailedAt), History: []domain.WebhookAttempt{}}
	if r.LastAnswer != nil {
		d.LastAnswer = *r.LastAnswer
	}
	if len(r.History) > 0 {
		if err := json.Unmarshal(r.History, &d.History); err != nil {
			return d, err
		}
	}
	return d, nil
}

const deliveryCols = `d.id, d.endpoint_id, d.event_type, d.created_at, d.attempts, d.last_status, d.last_answer, d.next_try_at,
	d.delivered_at, d.failed_at`

// WebhookDeliveries lists the newest deliveries of the account's endpoint
// with their attempts (not found: no such endpoint in the account).
func (s *Store) WebhookDeliveries(ctx context.Context, accountID, endpointID string, limit int) ([]domain.WebhookDelivery, error) {
	var rows []deliveryRow
	err := s.q().SelectContext(ctx, &rows, `SELECT `+deliveryCols+`, COALESCE((SELECT json_agg(json_build_object('n', a.n, 'at', a.at,
			'status', a.status, 'answer', a.answer) ORDER BY a.n) FROM webhook_attempts a WHERE a.delivery_id = d.id), '[]') AS history
		FROM webhook_endpoints e JOIN webhook_deliveries d ON d.endpoint_id = e.id
		WHERE e.id = $1 AND e.account_id = $2 ORDER BY d.created_at DESC, d.id LIMIT $3`, endpointID, accountID, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.WebhookDelivery, len(rows))
	for i, r := range rows {
		if out[i], err = r.domain(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// WebhookTarget reads what an attempt of the delivery needs (not found: the
// endpoint, and so the delivery, was deleted).
func (s *Store) WebhookTarget(ctx context.Context, deliveryID string) (domain.WebhookTarget, error) {
	var row struct {
		deliveryRow
		Payload       string     `db:"payload"`
		URL           string     `db:"url"`
		Secret        string     `db:"secret"`
		Previous      *string    `db:"previous_secret"`
		PreviousUntil *time.Time `db:"previous_until"`
		DisabledAt    *time.Time `db:"disabled_at"`
	}
	err := s.q().GetContext(ctx, &row, `SELECT `+deliveryCols+`, NULL::bytea AS history, d.payload, e.url, e.secret,
			e.previous_secret, e.previous_until, e.disabled_at
		FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE d.id = $1`, deliveryID)
	if err != nil {
		return domain.WebhookTarget{}, mapErr(err)
	}
	d, _ := row.deliveryRow.domain()
	t := domain.WebhookTarget{Delivery: d, Payload: []byte(row.Payload), URL: row.URL, Secret: row.Secret,
		PreviousUntil: utcPtr(row.PreviousUntil), Disabled: row.DisabledAt != nil}
	if row.Previous != nil {
		t.Previous = *row.Previous
	}
	return t, nil
}

// RecordWebhookAttempt writes one POST's answer, in one statement: the
// attempt (numbered after the delivery's last), the delivery's summary and
// the endpoint's failing_since (set by a failure when unset, cleared by a
// success). It returns the endpoint's failing_since after it.
func (s *Store) RecordWebhookAttempt(ctx context.Context, deliveryID string, at time.Time, status int, answer string, delivered bool,
	nextTry *time.Time) (*time.Time, error) {
	var since *time.Time
	err := s.q().GetContext(ctx, &since, `WITH d AS (
			UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $3, last_answer = $4, next_try_at = $6,
				delivered_at = CASE WHEN $5 THEN $2::timestamptz ELSE delivered_at END
			WHERE id = $1 RETURNING endpoint_id, attempts),
		a AS (INSERT INTO webhook_attempts (delivery_id, n, at, status, answer) SELECT $1, attempts, $2, $3, $4 FROM d)
		UPDATE webhook_endpoints e SET failing_since = CASE WHEN $5 THEN NULL ELSE COALESCE(e.failing_since, $2) END
		FROM d WHERE e.id = d.endpoint_id RETURNING e.failing_since`, deliveryID, at, status, answer, delivered, nextTry)
	return utcPtr(since), mapErr(err)
}

// GiveUpWebhookDelivery marks a delivery failed for good and, when its
// endpoint has failed since before disableBefore, disables it. It returns
// the endpoint whenever it is disabled (by this call or before), so that a
// retry after the commit still tells the admins; their notices are keyed by
// the endpoint's disabled_at and go out once.
func (s *Store) GiveUpWebhookDelivery(ctx context.Context, deliveryID string, at, disableBefore time.Time) (*domain.WebhookEndpoint, error) {
	var rows []endpointRow
	err := s.q().SelectContext(ctx, &rows, `WITH d AS (
			UPDATE webhook_deliveries SET failed_at = COALESCE(failed_at, $2), next_try_at = NULL WHERE id = $1 RETURNING endpoint_id),
		off AS (UPDATE webhook_endpoints e SET disabled_at = $2 FROM d
			WHERE e.id = d.endpoint_id AND e.disabled_at IS NULL AND e.failing_since <= $3 RETURNING e.id, e.disabled_at)
		SELECT e.id, e.account_id, e.url, e.events, e.created_at, COALESCE(off.disabled_at, e.disabled_at) AS disabled_at, e.failing_since
		FROM webhook_endpoints e JOIN d ON d.endpoint_id = e.id LEFT JOIN off ON off.id = e.id
		WHERE COALESCE(off.disabled_at, e.disabled_at) IS NOT NULL`, deliveryID, at, disableBefore)
	if err != nil || len(rows) == 0 {
		return nil, mapErr(err)
	}
	ep := rows[0].domain()
	return &ep, nil
}
