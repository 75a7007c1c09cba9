package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/crm/channel-removal/domain"
)

// E-mails that go out once per key (the notices table): the notice to every
// admin when a removal ends, the ops alert, the notice that Meta cut a
// channel off. A row is written once the provider accepted the mail; a retry
// finds it and sends nothing.

// NoticeSent says whether the notice key went out.
func (s *Store) NoticeSent(ctx context.Context, key string) (bool, error) {
	var sent bool
	err := s.q().GetContext(ctx, &sent, `SELECT EXISTS (SELECT 1 FROM notices WHERE key = $1)`, key)
	return sent, mapErr(err)
}

// NoticeSentAt says when the notice key went out (found false: not yet).
func (s *Store) NoticeSentAt(ctx context.Context, key string) (at time.Time, found bool, err error) {
	err = s.q().GetContext(ctx, &at, `SELECT sent_at FROM notices WHERE key = $1`, key)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return at, err == nil, mapErr(err)
}

// MarkNoticeSent records a notice of a removal that the provider accepted
// and its audit record, in one statement.
func (s *Store) MarkNoticeSent(ctx context.Context, key, recipient string, e domain.AuditEntry) error {
	return mapErr(appendAuditWith(ctx, s.q(), e, `notice AS (
			INSERT INTO notices (key, removal_id, recipient) VALUES ($13, $1, $14) ON CONFLICT (key) DO NOTHING),`, key, recipient))
}

// MarkDisconnectionNoticeSent records a disconnection notice the provider
// accepted (it belongs to no removal).
func (s *Store) MarkDisconnectionNoticeSent(ctx context.Context, key, recipient string) error {
	_, err := s.q().ExecContext(ctx, `INSERT INTO notices (key, recipient) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, recipient)
	return mapErr(err)
}

// AccountAdmins reads, in one statement, the account's name and admins and
// the acting user.
func (s *Store) AccountAdmins(ctx context.Context, accountID, actorUserID string) (domain.Recipients, error) {
	var row struct {
		AccountName string `db:"account_name"`
		ActorName   string `db:"actor_name"`
		ActorEmail  string `db:"actor_email"`
		Admins      []byte `db:"admins"`
	}
	err := s.q().GetContext(ctx, &row, `SELECT a.name AS account_name,
			COALESCE((SELECT name FROM users WHERE id::text = $2), '') AS actor_name,
			COALESCE((SELECT email FROM users WHERE id::text = $2), '') AS actor_email,
			(SELECT COALESCE(json_agg(json_build_object('id', u.id, 'account_id', u.account_id, 'email', u.email,
				'name', u.name, 'role', u.role) ORDER BY u.email), '[]')
			 FROM users u WHERE u.account_id = a.id AND u.role = 'admin') AS admins
		FROM accounts a WHERE a.id = $1`, accountID, actorUserID)
	if err != nil {
		return domain.Recipients{}, mapErr(err)
	}
	r := domain.Recipients{AccountName: row.AccountName, ActorName: row.ActorName, ActorEmail: row.ActorEmail}
	return r, json.Unmarshal(row.Admins, &r.Admins)
}
