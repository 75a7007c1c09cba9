package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

const channelCols = `id, account_id, name, kind, official, status, waba_id, phone_number_id, page_id, removed_at, coexistence,
	number_override_uri, waba_override_uri, hold_reason, hold_by, hold_at`

// principal reads a user and, in the same statement, the channel channelID
// when it belongs to the user's account (nil otherwise, or when channelID is
// ""): an API request names at most one channel, and reading it with its
// caller spares a round trip per request. $1 is the channel id (NULL for
// none), from and where find the user with userArgs ($2 on); each extra
// adds what it reads of the channel c to the same statement, with its
// parameters after the user's.
func (s *Store) principal(ctx context.Context, from, where, channelID string, userArgs []any, extras ...principalExtra) (domain.User, *domain.Channel, error) {
	var u domain.User
	var ch domain.Channel
	var chID, chAccount, chName, chKind, chStatus sql.NullString
	var official, coexistence sql.NullBool
	var channel any // NULL: no channel
	if channelID != "" {
		channel = channelID
	}
	args := append([]any{channel}, userArgs...)
	dest := []any{&u.ID, &u.AccountID, &u.Email, &u.Name, &u.Role,
		&chID, &chAccount, &chName, &chKind, &official, &chStatus, &ch.WABAID, &ch.PhoneNumber, &ch.PageID, &ch.RemovedAt,
		&coexistence, &ch.NumberOverride, &ch.WABAOverride, &ch.HoldReason, &ch.HoldBy, &ch.HoldAt}
	cols, joins := "", ""
	for _, x := range extras {
		xc, xj := x.clause("c", len(args)+1)
		cols += ",\n\t\t       " + xc
		joins += xj
		args = append(args, x.args()...)
		dest = append(dest, x.dest()...)
	}
	err := s.q().ScanRow(ctx, `
		SELECT u.id, u.account_id, u.email, u.name, u.role,
		       c.id, c.account_id, c.name, c.kind, c.official, c.status, c.waba_id, c.phone_number_id, c.page_id, c.removed_at,
		       c.coexistence, c.number_override_uri, c.waba_override_uri, c.hold_reason, c.hold_by, c.hold_at`+cols+`
		FROM `+from+` LEFT JOIN channels c ON c.id = $1::uuid AND c.account_id = u.account_id`+joins+`
		WHERE `+where, args, dest...)
	if err != nil {
		return u, nil, mapErr(err)
	}
	for _, x := range extras {
		if err := x.finish(); err != nil {
			return u, nil, err
		}
	}
	if !chID.Valid {
		return u, nil, nil
	}
	ch.ID, ch.AccountID, ch.Name, ch.Kind, ch.Official, ch.Status = chID.String, chAccount.String, chName.String,
		domain.ChannelKind(chKind.String), official.Bool, chStatus.String
	ch.Coexistence = coexistence.Bool
	return u, &ch, nil
}

// principalExtra is what a statement reads of a channel row, aliased c, besides
// the channel: its columns and joins (parameters numbered from p), its
// arguments, where its columns scan to, and what to make of them after.
type principalExtra interface {
	clause(c string, p int) (cols, joins string)
	args() []any
	dest() []any
	finish() error
}

// RequesterWithImpact reads the requester and the channel (principal) and, in the same
// statement, the facts of the channel's impact (ImpactFacts), when removalID
// is set its latest run (nil when none), and, with codes, the channel's code
// history across runs (codeHistory): the preflight's one read.
func (s *Store) RequesterWithImpact(ctx context.Context, userID, channelID, removalID string, attendances, conversationCap int,
	codes *domain.CodeLimits) (domain.PreflightRead, error) {
	extras := []principalExtra{&factsQuery{attendances: attendances, conversationCap: conversationCap}}
	run := &latestRunQuery{removalID: removalID}
	if removalID != "" {
		extras = append(extras, run)
	}
	hist := &historyQuery{}
	if codes != nil {
		hist.q = codeHistory{limits: *codes}
		extras = append(extras, hist)
	}
	u, ch, err := s.principal(ctx, `users u`, `u.id = $2`, channelID, []any{userID}, extras...)
	return domain.PreflightRead{User: u, Channel: ch, Facts: extras[0].(*factsQuery).f, LatestRun: run.rec, Codes: hist.row.history()}, err
}

// historyQuery reads the code history of the channel c (codeHistory).
type historyQuery struct {
	q   codeHistory
	row historyRow
}

func (x *historyQuery) clause(c string, p int) (string, string) {
	return `h.code_emails, h.code_emails_wait, h.wrong_by_channel, h.channel_wait, h.wrong_by_account, h.account_wait`,
		x.q.join(c+".id", c+".account_id", p)
}

func (x *historyQuery) args() []any { return x.q.args() }

func (x *historyQuery) dest() []any {
	r := &x.row // the lateral join always has its one row: no channel counts nothing
	return []any{&r.CodeEmails, &r.CodeEmailsWait, &r.WrongByChannel, &r.ChannelWait, &r.WrongByAccount, &r.AccountWait}
}

func (x *historyQuery) finish() error { return nil }

// UserWithRemoval reads the user and the channel (principal) and, in the same
// statement, the latest run of removalID ("" for none), a removal of that channel (nil
// when it has none, or when the channel is not of the user's account): GET
// /v1/removals/{id}, which the web app repeats while a removal runs, in one read.
func (s *Store) UserWithRemoval(ctx context.Context, userID, channelID, removalID string) (domain.User, *domain.Channel, *domain.RemovalRecord, error) {
	return s.principalWithRun(ctx, `users u`, `u.id = $2`, channelID, removalID, userID)
}

// SessionUserWithRemoval is UserWithRemoval for the user of an unexpired web session.
func (s *Store) SessionUserWithRemoval(ctx context.Context, tokenHash []byte, now time.Time, channelID, removalID string) (domain.User, *domain.Channel, *domain.RemovalRecord, error) {
	return s.principalWithRun(ctx, `web_sessions s JOIN users u ON u.id = s.user_id`, `s.token_hash = $2 AND s.expires_at > $3`,
		channelID, removalID, tokenHash, now)
}

// principalWithRun is principal with, when removalID is set, its latest run.
func (s *Store) principalWithRun(ctx context.Context, from, where, channelID, removalID string, userArgs ...any) (domain.User, *domain.Channel, *domain.RemovalRecord, error) {
	if removalID == "" {
		u, ch, err := s.principal(ctx, from, where, channelID, userArgs)
		return u, ch, nil, err
	}
	q := &latestRunQuery{removalID: removalID}
	u, ch, err := s.principal(ctx, from, where, channelID, userArgs, q)
	return u, ch, q.rec, err
}

// latestRunQuery reads the latest run of a removal of the channel c.
type latestRunQuery struct {
	removalID string
	runID     sql.NullString
	row       struct {
		removalID, accountID, channelID, status sql.NullString
		createdAt, updatedAt, completedAt       sql.NullTime
		doc                                     []byte
	}
	rec *domain.RemovalRecord
}

func (q *latestRunQuery) clause(c string, p int) (string, string) {
	return `rm.removal_id, rm.run_id, rm.account_id, rm.channel_id, rm.status, rm.created_at, rm.updated_at, rm.completed_at, rm.doc`,
		fmt.Sprintf(` LEFT JOIN LATERAL (SELECT %s FROM removals
		      WHERE removal_id = $%d AND channel_id = %s.id ORDER BY created_at DESC LIMIT 1) rm ON true`, removalRecordCols, p, c)
}

func (q *latestRunQuery) args() []any { return []any{q.removalID} }

func (q *latestRunQuery) dest() []any {
	r := &q.row
	return []any{&r.removalID, &q.runID, &r.accountID, &r.channelID, &r.status, &r.createdAt, &r.updatedAt, &r.completedAt, &r.doc}
}

func (q *latestRunQuery) finish() error {
	if !q.runID.Valid {
		return nil
	}
	r := q.row
	q.rec = &domain.RemovalRecord{RemovalID: r.removalID.String, RunID: q.runID.String, AccountID: r.accountID.String,
		ChannelID: r.channelID.String, Status: r.status.String, CreatedAt: r.createdAt.Time, UpdatedAt: r.updatedAt.Time, Doc: r.doc}
	if r.completedAt.Valid {
		at := r.completedAt.Time
		q.rec.CompletedAt = &at
	}
	return nil
}

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
