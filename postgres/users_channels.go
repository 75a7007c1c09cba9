package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
)

const channelCols = `id, account_id, name, kind, official, status, waba_id, phone_number_id, page_id, removed_at, coexistence,
	number_override_uri, waba_override_uri, hold_reason, hold_by, hold_at, credit_allocation_config_id`

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
