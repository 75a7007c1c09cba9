package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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
	u, ch, _, err := s.principalWith(ctx, from, where, channelID, nil, userArgs...)
	return u, ch, err
}

// principalWith is principal that also reads, when facts is set, the
// channel's impact facts in the same statement, with its parameters after
// the user's.
func (s *Store) principalWith(ctx context.Context, from, where, channelID string, facts *factsQuery, userArgs ...any) (domain.User, *domain.Channel, domain.ImpactFacts, error) {
	var u domain.User
	var ch domain.Channel
	var f domain.ImpactFacts
	var chID, chAccount, chName, chKind, chStatus sql.NullString
	var official sql.NullBool
	var channel any // NULL: no channel
	if channelID != "" {
		channel = channelID
	}
	args := append([]any{channel}, userArgs...)
	dest := []any{&u.ID, &u.AccountID, &u.Email, &u.Name, &u.Role,
		&chID, &chAccount, &chName, &chKind, &official, &chStatus, &ch.WABAID, &ch.PhoneNumber, &ch.PageID, &ch.RemovedAt}
	cols, joins := "", ""
	var active []byte
	if facts != nil {
		cols, joins = ",\n\t\t       "+facts.cols("c", len(args)+1), facts.joins("c")
		args = append(args, facts.args()...)
		dest = append(dest, facts.dest(&f, &active)...)
	}
	err := s.q().ScanRow(ctx, `
		SELECT u.id, u.account_id, u.email, u.name, u.role,
		       c.id, c.account_id, c.name, c.kind, c.official, c.status, c.waba_id, c.phone_number_id, c.page_id, c.removed_at`+cols+`
		FROM `+from+` LEFT JOIN channels c ON c.id = $1::uuid AND c.account_id = u.account_id`+joins+`
		WHERE `+where, args, dest...)
	if err != nil {
		return u, nil, f, mapErr(err)
	}
	if facts != nil {
		if f, err = facts.finish(f, active); err != nil {
			return u, nil, f, err
		}
	}
	if !chID.Valid {
		return u, nil, f, nil
	}
	ch.ID, ch.AccountID, ch.Name, ch.Kind, ch.Official, ch.Status = chID.String, chAccount.String, chName.String,
		domain.ChannelKind(chKind.String), official.Bool, chStatus.String
	return u, &ch, f, nil
}

// RequesterWithImpact is UserWithChannel that also reads, in the same
// statement, the facts of the channel's impact (ImpactFacts): the preflight's
// one read.
func (s *Store) RequesterWithImpact(ctx context.Context, userID, channelID string, attendances, conversationCap int) (domain.User, *domain.Channel, domain.ImpactFacts, error) {
	return s.principalWith(ctx, `users u`, `u.id = $2`, channelID, &factsQuery{attendances: attendances, conversationCap: conversationCap}, userID)
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
	q := factsQuery{attendances: attendances, conversationCap: conversationCap}
	var f domain.ImpactFacts
	var active []byte
	err := s.q().ScanRow(ctx, `SELECT `+q.cols("c", 2)+` FROM channels c`+q.joins("c")+` WHERE c.id = $1`,
		append([]any{ch.ID}, q.args()...), q.dest(&f, &active)...)
	if err != nil {
		return f, mapErr(err)
	}
	return q.finish(f, active)
}

// factsQuery is the part of a statement that reads a channel's impact facts,
// for the channel row aliased c, with its two parameters numbered from p.
type factsQuery struct{ attendances, conversationCap int }

func (q factsQuery) cols(c string, p int) string {
	return fmt.Sprintf(`(SELECT coalesce(json_agg(a), '[]') FROM (
		            SELECT v.id AS conversation_id, ct.name AS contact, v.status
		            FROM conversations v JOIN contacts ct ON ct.id = v.contact_id
		            WHERE v.channel_id = %[1]s.id AND v.status IN ('open', 'pending')
		            ORDER BY v.updated_at DESC LIMIT $%[2]d) a),
		       (SELECT count(*) FROM (SELECT 1 FROM conversations WHERE channel_id = %[1]s.id LIMIT $%[3]d) capped),
		       coalesce(r.automations, 0), coalesce(r.routing_rules, 0), coalesce(r.chatbots, 0), coalesce(r.webhooks, 0),
		       (SELECT count(*) FROM channels o WHERE o.waba_id = %[1]s.waba_id AND o.status = 'active' AND o.id <> %[1]s.id)`, c, p, p+1)
}

func (q factsQuery) joins(c string) string {
	return ` LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE kind = 'automation')   AS automations,
		             count(*) FILTER (WHERE kind = 'routing_rule') AS routing_rules,
		             count(*) FILTER (WHERE kind = 'chatbot')      AS chatbots,
		             count(*) FILTER (WHERE kind = 'webhook')      AS webhooks
		      FROM channel_references WHERE channel_id = ` + c + `.id) r ON true`
}

func (q factsQuery) args() []any { return []any{q.attendances, q.conversationCap + 1} }

func (q factsQuery) dest(f *domain.ImpactFacts, active *[]byte) []any {
	return []any{active, &f.Conversations, &f.References.Automations, &f.References.RoutingRules,
		&f.References.Chatbots, &f.References.Webhooks, &f.OtherLiveChannelsOnWABA}
}

func (q factsQuery) finish(f domain.ImpactFacts, active []byte) (domain.ImpactFacts, error) {
	f.ActiveAttendances = []domain.Attendance{}
	if len(active) == 0 { // no channel
		return f, nil
	}
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
