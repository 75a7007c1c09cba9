package postgres

import (
	"context"
	"time"

	"github.com/lib/pq"

	"github.com/crm/channel-removal/domain"
)

// The integrations' endpoints (SPEC §9). Every read and write names the
// account: another account's endpoint is not found, never someone else's.

type endpointRow struct {
	ID           string         `db:"id"`
	AccountID    string         `db:"account_id"`
	URL          string         `db:"url"`
	Events       pq.StringArray `db:"events"`
	CreatedAt    time.Time      `db:"created_at"`
	DisabledAt   *time.Time     `db:"disabled_at"`
	FailingSince *time.Time     `db:"failing_since"`
}

func (r endpointRow) domain() domain.WebhookEndpoint {
	ev := make([]domain.EventType, len(r.Events))
	for i, e := range r.Events {
		ev[i] = domain.EventType(e)
	}
	return domain.WebhookEndpoint{ID: r.ID, AccountID: r.AccountID, URL: r.URL, Events: ev, CreatedAt: r.CreatedAt.UTC(),
		DisabledAt: utcPtr(r.DisabledAt), FailingSince: utcPtr(r.FailingSince)}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

const endpointCols = `id, account_id, url, events, created_at, disabled_at, failing_since`

func eventStrings(ev []domain.EventType) pq.StringArray {
	s := make(pq.StringArray, len(ev))
	for i, e := range ev {
		s[i] = string(e)
	}
	return s
}

// CreateWebhookEndpoint stores an endpoint with its sealed secret, unless
// the account has max endpoints already. The count and the insert run under
// a lock on the account's endpoints (a transaction-scoped advisory lock):
// under READ COMMITTED, creates at once would each count the others out and
// all pass.
func (s *Store) CreateWebhookEndpoint(ctx context.Context, ep domain.WebhookEndpoint, sealed string, max int) (domain.WebhookEndpoint, error) {
	var r endpointRow
	err := s.inTx(ctx, func(tx querier) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('webhook-endpoints:' || $1))`, ep.AccountID); err != nil {
			return err
		}
		return tx.GetContext(ctx, &r, `INSERT INTO webhook_endpoints (id, account_id, url, events, secret)
		SELECT $1, $2, $3, $4, $5 WHERE (SELECT count(*) FROM webhook_endpoints WHERE account_id = $2) < $6
		RETURNING `+endpointCols, ep.ID, ep.AccountID, ep.URL, eventStrings(ep.Events), sealed, max)
	})
	if domain.ErrorCode(mapErr(err)) == domain.CodeNotFound {
		return domain.WebhookEndpoint{}, domain.Errorf(domain.CodeTooManyWebhooks,
			"a conta já tem %d endpoints; apague um antes de cadastrar outro", max)
	}
	return r.domain(), mapErr(err)
}

// WebhookEndpoints lists the account's endpoints, oldest first.
func (s *Store) WebhookEndpoints(ctx context.Context, accountID string) ([]domain.WebhookEndpoint, error) {
	var rows []endpointRow
	if err := s.q().SelectContext(ctx, &rows, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE account_id = $1
		ORDER BY created_at, id`, accountID); err != nil {
		return nil, mapErr(err)
	}
	out := make([]domain.WebhookEndpoint, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// DeleteWebhookEndpoint deletes the account's endpoint with its deliveries;
// a delivery still retrying finds it gone and ends.
func (s *Store) DeleteWebhookEndpoint(ctx context.Context, accountID, id string) error {
	res, err := s.q().ExecContext(ctx, `DELETE FROM webhook_endpoints WHERE id = $1 AND account_id = $2`, id, accountID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.Errorf(domain.CodeNotFound, "endpoint não encontrado")
	}
	return nil
}

// RotateWebhookSecret makes sealed the endpoint's secret; the one it
// replaces keeps signing beside it until graceUntil. A disabled endpoint is
// enabled again: rotating is what an admin does after fixing a receiver.
func (s *Store) RotateWebhookSecret(ctx context.Context, accountID, id, sealed string, graceUntil time.Time) (domain.WebhookEndpoint, error) {
	var r endpointRow
	err := s.q().GetContext(ctx, &r, `UPDATE webhook_endpoints SET previous_secret = secret, previous_until = $4, secret = $3,
			disabled_at = NULL, failing_since = NULL
		WHERE id = $1 AND account_id = $2 RETURNING `+endpointCols, id, accountID, sealed, graceUntil)
	return r.domain(), mapErr(err)
}

// WebhookEndpoint reads one of the account's endpoints.
func (s *Store) WebhookEndpoint(ctx context.Context, accountID, id string) (domain.WebhookEndpoint, error) {
	var r endpointRow
	err := s.q().GetContext(ctx, &r, `SELECT `+endpointCols+` FROM webhook_endpoints WHERE id = $1 AND account_id = $2`, id, accountID)
	return r.domain(), mapErr(err)
}

// SubscribedEndpoints are the account's enabled endpoints that subscribed
// to t: where an event of that type goes.
func (s *Store) SubscribedEndpoints(ctx context.Context, accountID string, t domain.EventType) ([]string, error) {
	var ids []string
	err := s.q().SelectContext(ctx, &ids, `SELECT id FROM webhook_endpoints
		WHERE account_id = $1 AND disabled_at IS NULL AND $2 = ANY(events) ORDER BY id`, accountID, string(t))
	return ids, mapErr(err)
}
