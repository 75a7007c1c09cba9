package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/crm/channel-removal/domain"
)

const channelCols = `id, account_id, name, kind, official, status, waba_id, phone_number_id, page_id, removed_at`

// UserWithChannel reads a user and, in the same statement, the channel
// channelID when it belongs to the user's account (nil otherwise, or when
// channelID is ""): an API request names at most one channel, and reading it
// with its caller spares a round trip per request.
func (s *Store) UserWithChannel(ctx context.Context, userID, channelID string) (domain.User, *domain.Channel, error) {
	return s.principal(ctx, `users u`, `u.id = $2`, channelID, userID)
}

// SessionUserWithChannel is UserWithChannel for the user of an unexpired web session.
func (s *Store) SessionUserWithChannel(ctx context.Context, tokenHash []byte, now time.Time, channelID string) (domain.User, *domain.Channel, error) {
	return s.principal(ctx, `web_sessions s JOIN users u ON u.id = s.user_id`, `s.token_hash = $2 AND s.expires_at > $3`, channelID, tokenHash, now)
}

// principal runs the query of UserWithChannel: $1 is the channel id (NULL
// for none), from and where find the user with userArgs ($2 on).
func (s *Store) principal(ctx context.Context, from, where, channelID string, userArgs ...any) (domain.User, *domain.Channel, error) {
	var u domain.User
	var ch domain.Channel
	var chID, chAccount, chName, chKind, chStatus sql.NullString
	var official sql.NullBool
	var channel any // NULL: no channel
	if channelID != "" {
		channel = channelID
	}
	err := s.q().ScanRow(ctx, `
		SELECT u.id, u.account_id, u.email, u.name, u.role,
		       c.id, c.account_id, c.name, c.kind, c.official, c.status, c.waba_id, c.phone_number_id, c.page_id, c.removed_at
		FROM `+from+` LEFT JOIN channels c ON c.id = $1::uuid AND c.account_id = u.account_id
		WHERE `+where, append([]any{channel}, userArgs...), &u.ID, &u.AccountID, &u.Email, &u.Name, &u.Role,
		&chID, &chAccount, &chName, &chKind, &official, &chStatus, &ch.WABAID, &ch.PhoneNumber, &ch.PageID, &ch.RemovedAt)
	if err != nil {
		return u, nil, mapErr(err)
	}
	if !chID.Valid {
		return u, nil, nil
	}
	ch.ID, ch.AccountID, ch.Name, ch.Kind, ch.Official, ch.Status = chID.String, chAccount.String, chName.String,
		domain.ChannelKind(chKind.String), official.Bool, chStatus.String
	return u, &ch, nil
}

// UserByEmail returns a user.
func (s *Store) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	var u domain.User
	err := s.q().GetContext(ctx, &u, `SELECT id, account_id, email, name, role FROM users WHERE lower(email) = lower($1)`, email)
	return u, mapErr(err)
}

// Channel returns a channel, removed or not.
func (s *Store) Channel(ctx context.Context, id string) (domain.Channel, error) {
	var c domain.Channel
	err := s.q().GetContext(ctx, &c, `SELECT `+channelCols+` FROM channels WHERE id = $1`, id)
	return c, mapErr(err)
}

// Channels lists an account's channels, tombstones included.
func (s *Store) Channels(ctx context.Context, accountID string) ([]domain.Channel, error) {
	cs := []domain.Channel{}
	err := s.q().SelectContext(ctx, &cs, `SELECT `+channelCols+` FROM channels WHERE account_id = $1 ORDER BY created_at, name`, accountID)
	return cs, mapErr(err)
}

// ImpactFacts reads, in one statement, what a channel's impact is built
// from: up to attendances active conversations, the conversation count up to
// conversationCap+1 (the index scan stops there, so the cost stays bounded at
// millions), the reference counts, and the other live channels on its WABA.
func (s *Store) ImpactFacts(ctx context.Context, ch domain.Channel, attendances, conversationCap int) (domain.ImpactFacts, error) {
	var f domain.ImpactFacts
	var active []byte
	err := s.q().ScanRow(ctx, `
		SELECT (SELECT coalesce(json_agg(a), '[]') FROM (
		            SELECT v.id AS conversation_id, ct.name AS contact, v.status
		            FROM conversations v JOIN contacts ct ON ct.id = v.contact_id
		            WHERE v.channel_id = $1 AND v.status IN ('open', 'pending')
		            ORDER BY v.updated_at DESC LIMIT $2) a),
		       (SELECT count(*) FROM (SELECT 1 FROM conversations WHERE channel_id = $1 LIMIT $3) capped),
		       r.automations, r.routing_rules, r.chatbots, r.webhooks,
		       (SELECT count(*) FROM channels WHERE waba_id = $4 AND status = 'active' AND id <> $1)
		FROM (SELECT count(*) FILTER (WHERE kind = 'automation')   AS automations,
		             count(*) FILTER (WHERE kind = 'routing_rule') AS routing_rules,
		             count(*) FILTER (WHERE kind = 'chatbot')      AS chatbots,
		             count(*) FILTER (WHERE kind = 'webhook')      AS webhooks
		      FROM channel_references WHERE channel_id = $1) r`,
		[]any{ch.ID, attendances, conversationCap + 1, ch.WABAID}, &active, &f.Conversations,
		&f.References.Automations, &f.References.RoutingRules, &f.References.Chatbots, &f.References.Webhooks,
		&f.OtherLiveChannelsOnWABA)
	if err != nil {
		return f, mapErr(err)
	}
	f.ActiveAttendances = []domain.Attendance{}
	return f, json.Unmarshal(active, &f.ActiveAttendances)
}

// Conversations lists a channel's conversations, newest first; channel_removed
// comes from the channel's status, never from a per-conversation flag.
func (s *Store) Conversations(ctx context.Context, channelID string, limit int) ([]domain.Conversation, error) {
	cs := []domain.Conversation{}
	err := s.q().SelectContext(ctx, &cs, `
		SELECT v.id, v.channel_id, v.account_id, ct.name AS contact, v.status,
		       (ch.status = 'removed') AS channel_removed
		FROM conversations v
		JOIN channels ch ON ch.id = v.channel_id
		JOIN contacts ct ON ct.id = v.contact_id
		WHERE v.channel_id = $1
		ORDER BY v.created_at DESC
		LIMIT $2`, channelID, limit)
	return cs, mapErr(err)
}

// Conversation returns one conversation with its channel's state.
func (s *Store) Conversation(ctx context.Context, id string) (domain.Conversation, error) {
	var c domain.Conversation
	err := s.q().GetContext(ctx, &c, `
		SELECT v.id, v.channel_id, v.account_id, ct.name AS contact, v.status,
		       (ch.status = 'removed') AS channel_removed
		FROM conversations v
		JOIN channels ch ON ch.id = v.channel_id
		JOIN contacts ct ON ct.id = v.contact_id
		WHERE v.id = $1`, id)
	return c, mapErr(err)
}

// AddMessage stores an outgoing message, unless the channel is removed. The
// check and the insert are one statement so a removal cannot slip between them.
func (s *Store) AddMessage(ctx context.Context, conversationID, authorID, body string) (string, error) {
	var id string
	err := s.q().GetContext(ctx, &id, `
		INSERT INTO messages (conversation_id, author_user_id, body)
		SELECT v.id, $2, $3 FROM conversations v JOIN channels ch ON ch.id = v.channel_id
		WHERE v.id = $1 AND ch.status = 'active'
		RETURNING id`, conversationID, authorID, body)
	if err != nil {
		err = mapErr(err)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			return "", domain.Errorf(domain.CodeChannelRemoved, domain.MsgChannelRemovedSend)
		}
	}
	return id, err
}
