package postgres

import (
	"context"

	"github.com/crm/channel-removal/domain"
)

const channelCols = `id, account_id, name, kind, official, status, waba_id, phone_number_id, page_id, removed_at`

// UserByID returns a user.
func (s *Store) UserByID(ctx context.Context, id string) (domain.User, error) {
	var u domain.User
	err := s.db.GetContext(ctx, &u, `SELECT id, account_id, email, name, role FROM users WHERE id = $1`, id)
	return u, mapErr(err)
}

// UserByEmail returns a user.
func (s *Store) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	var u domain.User
	err := s.db.GetContext(ctx, &u, `SELECT id, account_id, email, name, role FROM users WHERE lower(email) = lower($1)`, email)
	return u, mapErr(err)
}

// AccountAdminEmail returns the e-mail of the account's administrator.
func (s *Store) AccountAdminEmail(ctx context.Context, accountID string) (string, error) {
	var email string
	err := s.db.GetContext(ctx, &email, `SELECT admin_email FROM accounts WHERE id = $1`, accountID)
	return email, mapErr(err)
}

// Channel returns a channel, removed or not.
func (s *Store) Channel(ctx context.Context, id string) (domain.Channel, error) {
	var c domain.Channel
	err := s.db.GetContext(ctx, &c, `SELECT `+channelCols+` FROM channels WHERE id = $1`, id)
	return c, mapErr(err)
}

// Channels lists an account's channels, tombstones included.
func (s *Store) Channels(ctx context.Context, accountID string) ([]domain.Channel, error) {
	cs := []domain.Channel{}
	err := s.db.SelectContext(ctx, &cs, `SELECT `+channelCols+` FROM channels WHERE account_id = $1 ORDER BY created_at, name`, accountID)
	return cs, mapErr(err)
}

// ActiveAttendances lists up to limit open or pending conversations of a channel.
func (s *Store) ActiveAttendances(ctx context.Context, channelID string, limit int) ([]domain.Attendance, error) {
	return activeAttendances(ctx, s.db, channelID, limit)
}

// ConversationCount counts a channel's conversations, up to limit+1: the
// preflight's cost stays bounded at millions (the index scan stops there).
func (s *Store) ConversationCount(ctx context.Context, channelID string, limit int) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `
		SELECT count(*) FROM (SELECT 1 FROM conversations WHERE channel_id = $1 LIMIT $2) capped`, channelID, limit+1)
	return n, mapErr(err)
}

// ReferenceCounts counts what points at a channel.
func (s *Store) ReferenceCounts(ctx context.Context, channelID string) (domain.References, error) {
	var r domain.References
	err := s.db.GetContext(ctx, &r, `
		SELECT count(*) FILTER (WHERE kind = 'automation')   AS automations,
		       count(*) FILTER (WHERE kind = 'routing_rule') AS routing_rules,
		       count(*) FILTER (WHERE kind = 'chatbot')      AS chatbots,
		       count(*) FILTER (WHERE kind = 'webhook')      AS webhooks
		FROM channel_references WHERE channel_id = $1`, channelID)
	return r, mapErr(err)
}

// OtherLiveChannelsOnWABA counts live channels other than except that use the WABA,
// across all accounts: our app's subscription is per WABA, not per account.
func (s *Store) OtherLiveChannelsOnWABA(ctx context.Context, wabaID, exceptChannelID string) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `
		SELECT count(*) FROM channels
		WHERE waba_id = $1 AND status = 'active' AND id <> $2`, wabaID, exceptChannelID)
	return n, mapErr(err)
}

// Conversations lists a channel's conversations, newest first; channel_removed
// comes from the channel's status, never from a per-conversation flag.
func (s *Store) Conversations(ctx context.Context, channelID string, limit int) ([]domain.Conversation, error) {
	cs := []domain.Conversation{}
	err := s.db.SelectContext(ctx, &cs, `
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
	err := s.db.GetContext(ctx, &c, `
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
	err := s.db.GetContext(ctx, &id, `
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
