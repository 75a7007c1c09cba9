package postgres

// Users, channels, their impact facts and conversations, read on their own.

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/crm/channel-removal/domain"
)

// UserByEmail returns a user.
func (s *Store) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	var u userRow
	err := s.q().GetContext(ctx, &u, `SELECT id, account_id, email, name, role FROM users WHERE lower(email) = lower($1)`, email)
	return u.toDomain(), mapErr(err)
}

// Channel returns a channel, removed or not.
func (s *Store) Channel(ctx context.Context, id string) (domain.Channel, error) {
	var c channelRow
	err := s.q().GetContext(ctx, &c, `SELECT `+channelCols+` FROM channels WHERE id = $1`, id)
	return c.toDomain(), mapErr(err)
}

// Channels lists an account's channels, tombstones included.
func (s *Store) Channels(ctx context.Context, accountID string) ([]domain.Channel, error) {
	var cs []channelRow
	err := s.q().SelectContext(ctx, &cs, `SELECT `+channelCols+` FROM channels WHERE account_id = $1 ORDER BY created_at, name`, accountID)
	return toDomain(cs), mapErr(err)
}

// ImpactFacts reads, in one statement, what a channel's impact is built
// from: up to attendances active conversations, the conversation count up to
// conversationCap+1 (the index scan stops there, so the cost stays bounded at
// millions), the reference counts, and the other live channels on its WABA.
func (s *Store) ImpactFacts(ctx context.Context, ch domain.Channel, attendances, conversationCap int) (domain.ImpactFacts, error) {
	q := &factsQuery{attendances: attendances, conversationCap: conversationCap}
	cols, joins := q.clause("c", 2)
	if err := s.q().ScanRow(ctx, `SELECT `+cols+` FROM channels c`+joins+` WHERE c.id = $1`,
		append([]any{ch.ID}, q.args()...), q.dest()...); err != nil {
		return q.f, mapErr(err)
	}
	return q.f, q.finish()
}

// factsQuery reads a channel's impact facts.
type factsQuery struct {
	attendances, conversationCap int
	f                            domain.ImpactFacts
	active                       []byte
}

func (q *factsQuery) clause(c string, p int) (string, string) {
	return fmt.Sprintf(`(SELECT coalesce(json_agg(a), '[]') FROM (
		            SELECT v.id AS conversation_id, ct.name AS contact, v.status
		            FROM conversations v JOIN contacts ct ON ct.id = v.contact_id
		            WHERE v.channel_id = %[1]s.id AND v.status IN ('open', 'pending')
		            ORDER BY v.updated_at DESC LIMIT $%[2]d) a),
		       (SELECT count(*) FROM (SELECT 1 FROM conversations WHERE channel_id = %[1]s.id LIMIT $%[3]d) capped),
		       coalesce(r.automations, 0), coalesce(r.routing_rules, 0), coalesce(r.chatbots, 0), coalesce(r.webhooks, 0),
		       (SELECT count(*) FROM channels o WHERE o.waba_id = %[1]s.waba_id AND o.status = 'active' AND o.id <> %[1]s.id)`, c, p, p+1),
		` LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE kind = 'automation')   AS automations,
		             count(*) FILTER (WHERE kind = 'routing_rule') AS routing_rules,
		             count(*) FILTER (WHERE kind = 'chatbot')      AS chatbots,
		             count(*) FILTER (WHERE kind = 'webhook')      AS webhooks
		      FROM channel_references WHERE channel_id = ` + c + `.id) r ON true`
}

func (q *factsQuery) args() []any { return []any{q.attendances, q.conversationCap + 1} }

func (q *factsQuery) dest() []any {
	f := &q.f
	return []any{&q.active, &f.Conversations, &f.References.Automations, &f.References.RoutingRules,
		&f.References.Chatbots, &f.References.Webhooks, &f.OtherLiveChannelsOnWABA}
}

func (q *factsQuery) finish() error {
	q.f.ActiveAttendances = []domain.Attendance{}
	if len(q.active) == 0 {
		return nil
	}
	return json.Unmarshal(q.active, &q.f.ActiveAttendances)
}

// Conversations lists a channel's conversations, newest first; channel_removed
// comes from the channel's status, never from a per-conversation flag.
func (s *Store) Conversations(ctx context.Context, channelID string, limit int) ([]domain.Conversation, error) {
	var cs []conversationRow
	err := s.q().SelectContext(ctx, &cs, `
		SELECT v.id, v.channel_id, v.account_id, ct.name AS contact, v.status,
		       (ch.status = 'removed') AS channel_removed, (ch.status = 'disconnected') AS channel_disconnected,
		       (v.messages_purged_at IS NOT NULL) AS messages_purged
		FROM conversations v
		JOIN channels ch ON ch.id = v.channel_id
		JOIN contacts ct ON ct.id = v.contact_id
		WHERE v.channel_id = $1
		ORDER BY v.created_at DESC
		LIMIT $2`, channelID, limit)
	return toDomain(cs), mapErr(err)
}

// Conversation returns one conversation with its channel's state.
func (s *Store) Conversation(ctx context.Context, id string) (domain.Conversation, error) {
	var c conversationRow
	err := s.q().GetContext(ctx, &c, `
		SELECT v.id, v.channel_id, v.account_id, ct.name AS contact, v.status,
		       (ch.status = 'removed') AS channel_removed, (ch.status = 'disconnected') AS channel_disconnected,
		       (v.messages_purged_at IS NOT NULL) AS messages_purged
		FROM conversations v
		JOIN channels ch ON ch.id = v.channel_id
		JOIN contacts ct ON ct.id = v.contact_id
		WHERE v.id = $1`, id)
	return c.toDomain(), mapErr(err)
}

// AddMessage stores an outgoing message, unless the channel is removed or
// disconnected (domain.SendRefusal). The statement checks its snapshot; the
// message trigger (migration 14) checks again under a share lock on the
// channel's row, so a tombstone or a disconnection committing meanwhile is
// seen: mapErr turns its refusal into the same SendRefusal.
func (s *Store) AddMessage(ctx context.Context, conversationID, authorID, body string) (string, error) {
	var row struct {
		Status string         `db:"status"`
		ID     sql.NullString `db:"id"`
	}
	err := s.q().GetContext(ctx, &row, `WITH c AS (
			SELECT v.id, ch.status FROM conversations v JOIN channels ch ON ch.id = v.channel_id WHERE v.id = $1),
		ins AS (
			INSERT INTO messages (conversation_id, author_user_id, body)
			SELECT id, $2, $3 FROM c WHERE status = 'active'
			RETURNING id)
		SELECT c.status, (SELECT id FROM ins) AS id FROM c`, conversationID, authorID, body)
	if err != nil {
		return "", mapErr(err)
	}
	if err := domain.SendRefusal(row.Status); err != nil {
		return "", err
	}
	return row.ID.String, nil
}
