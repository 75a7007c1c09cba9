package postgres

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/crm/channel-removal/domain"
)

// AppendAudit writes an audit record; a second write with the same key is a no-op.
func (s *Store) AppendAudit(ctx context.Context, e domain.AuditEntry) error {
	return mapErr(appendAudit(ctx, s.q(), e))
}

// AppendNewAudit writes the record of an action a person takes through the
// API. Unlike a step's record, which a retry writes again harmlessly, this
// one must land: a record not written (its key already taken) is an error,
// so the action fails instead of succeeding unaudited.
func (s *Store) AppendNewAudit(ctx context.Context, e domain.AuditEntry) error {
	return mapErr(appendNewAuditWith(ctx, s.q(), e, ""))
}

// appendNewAuditWith is appendAuditWith for a record that must be written:
// errNotAudited when it was not. The caller runs it in a transaction when
// with changes anything, so that the change is undone with it.
func appendNewAuditWith(ctx context.Context, q querier, e domain.AuditEntry, with string, withArgs ...any) error {
	args, err := auditArgs(e)
	if err != nil {
		return err
	}
	var written int
	if err := q.ScanRow(ctx, auditStatement(with, "true", "SELECT count(*) FROM audit"), append(args, withArgs...), &written); err != nil {
		return err
	}
	if written == 0 {
		return errNotAudited(e.Action)
	}
	return nil
}

// errNotAudited: an action's record was not written, so the action is
// refused (a 500): nothing a person does through the API goes unaudited.
func errNotAudited(a domain.Action) error {
	return &domain.Error{Code: domain.CodeInternal, Message: "a ação não pôde ser registrada na auditoria e não foi feita; tente novamente",
		Fields: map[string]any{"action": string(a)}}
}

func appendAudit(ctx context.Context, q querier, e domain.AuditEntry) error {
	return appendAuditWith(ctx, q, e, "")
}

// appendAuditWith writes the audit record in the same statement as with, a
// data-modifying CTE ("name AS (…),") whose parameters are $13 on, given in
// withArgs: one statement is atomic, with no transaction round trips.
func appendAuditWith(ctx context.Context, q querier, e domain.AuditEntry, with string, withArgs ...any) error {
	args, err := auditArgs(e)
	if err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, auditStatement(with, "true", "SELECT 1"), append(args, withArgs...)...)
	return err
}

// removedStatuses are the statuses only a removal that tombstoned its
// channel reaches: its row never leaves them for one that says nothing was
// removed (a reset run's preflight finds the channel removed and rejects).
var removedStatuses = "('" + string(domain.StatusUnlinking) + "', '" + string(domain.StatusCompleted) + "', '" +
	string(domain.StatusCompletedWithWarnings) + "')"

// auditStatement is one statement that writes an audit record ($1–$12, from
// auditArgs) and, when the record carries the workflow's document, moves the
// run's read-model row to it, so the row moves exactly when its record is
// written; a finished run's row is never moved back, nor a removed channel's
// removal to a status that says nothing was removed. with holds data-modifying CTEs that go first ("name AS (…),",
// parameters $13 on); the record is written only where guard holds; final is
// the statement's result. earlier are the parameter numbers of records of
// the same step written before it, in order, each an (action, detail, key)
// triple (earlierArgs): they do not move the row.
func auditStatement(with, guard, final string, earlier ...int) string {
	records := `SELECT $1, $2, NULLIF($3, '')::uuid, NULLIF($4, '')::uuid, NULLIF($5, ''), NULLIF($6, ''), $7, $8::jsonb, $9
			WHERE ` + guard
	if len(earlier) > 0 { // one INSERT, rows in order, so ids follow the steps
		rows := ""
		for i, p := range earlier {
			rows += fmt.Sprintf("($%d, $%d::jsonb, $%d, %d), ", p, p+1, p+2, i)
		}
		records = `SELECT $1, $2, NULLIF($3, '')::uuid, NULLIF($4, '')::uuid, NULLIF($5, ''), NULLIF($6, ''), r.action, r.detail, r.key
			FROM (VALUES ` + rows + fmt.Sprintf("($7, $8::jsonb, $9, %d)", len(earlier)) + `) r(action, detail, key, ord)
			WHERE ` + guard + ` ORDER BY r.ord`
	}
	return `
		WITH ` + with + ` audit AS (
			INSERT INTO removal_audit_log (removal_id, run_id, account_id, channel_id, actor_user_id, actor_ip, action, detail, idempotency_key)
			` + records + `
			ON CONFLICT (idempotency_key) DO NOTHING
			RETURNING created_at),
		moved AS (
			INSERT INTO removals (removal_id, run_id, account_id, channel_id, requested_by, status, created_at, updated_at, completed_at, doc)
			SELECT $1, $2, NULLIF($3, '')::uuid, NULLIF($4, '')::uuid, NULLIF($5, ''), $10, a.created_at, a.created_at,
			       CASE WHEN $11 THEN a.created_at END, $12::jsonb
			FROM (SELECT max(created_at) AS created_at FROM audit) a WHERE $10 <> '' AND a.created_at IS NOT NULL
			ON CONFLICT (removal_id, run_id) DO UPDATE SET
				status = EXCLUDED.status, updated_at = EXCLUDED.updated_at, completed_at = EXCLUDED.completed_at,
				doc = EXCLUDED.doc
			WHERE removals.completed_at IS NULL
				AND NOT (removals.status IN ` + removedStatuses + ` AND EXCLUDED.status NOT IN ` + removedStatuses + `))
		` + final
}

// earlierArgs are the (action, detail, key) triples of records written
// before the last one of the same step (auditStatement's earlier).
func earlierArgs(last domain.AuditEntry, earlier []domain.AuditEntry) ([]any, error) {
	var args []any
	for _, e := range earlier {
		if e.RemovalID != last.RemovalID || e.RunID != last.RunID || e.AccountID != last.AccountID ||
			e.ChannelID != last.ChannelID || e.Actor != last.Actor {
			return nil, fmt.Errorf("audit records of one statement must be of one step: %s and %s", e.Action, last.Action)
		}
		if e.Removal != nil {
			return nil, fmt.Errorf("only the last record of a statement carries the document (%s)", e.Action)
		}
		detail, err := detailJSON(e)
		if err != nil {
			return nil, err
		}
		args = append(args, e.Action, detail, e.Key)
	}
	return args, nil
}

// detailJSON is a record's detail as stored: an object, {} for none.
// A signal's claimed actor goes into it (domain.SignalActor), never into
// actor_user_id.
func detailJSON(e domain.AuditEntry) (string, error) {
	detail := e.Detail
	if c := e.Actor.Claimed; c != nil {
		detail = make(map[string]any, len(e.Detail)+1)
		for k, v := range e.Detail {
			detail[k] = v
		}
		detail["claimed_actor"] = map[string]string{"user_id": c.UserID, "ip": c.IP}
	}
	if detail == nil {
		return "{}", nil
	}
	b, err := json.Marshal(detail)
	return string(b), err
}

// auditArgs are auditStatement's parameters $1–$12 for record e.
func auditArgs(e domain.AuditEntry) ([]any, error) {
	detail, err := detailJSON(e)
	if err != nil {
		return nil, err
	}
	// The row moves to the document the workflow decided, written whole.
	status, final, doc := "", false, []byte("{}")
	if e.Removal != nil && e.AccountID != "" && e.ChannelID != "" {
		if doc, err = json.Marshal(e.Removal); err != nil {
			return nil, err
		}
		status, final = string(e.Removal.Status), e.Removal.Final()
	}
	return []any{e.RemovalID, e.RunID, e.AccountID, e.ChannelID, e.Actor.UserID, e.Actor.IP, e.Action, detail, e.Key,
		status, final, string(doc)}, nil
}

// AuditRecord is an audit row as read back.
type AuditRecord struct {
	RemovalID string          `db:"removal_id"`
	RunID     string          `db:"run_id"`
	ActorUser *string         `db:"actor_user_id"`
	ActorIP   *string         `db:"actor_ip"`
	Action    string          `db:"action"`
	Detail    json.RawMessage `db:"detail"`
}

// AuditTrail returns a removal's audit records in order.
func (s *Store) AuditTrail(ctx context.Context, removalID string) ([]AuditRecord, error) {
	var rs []AuditRecord
	err := s.q().SelectContext(ctx, &rs, `
		SELECT removal_id, run_id, actor_user_id, actor_ip, action, detail
		FROM removal_audit_log WHERE removal_id = $1 ORDER BY id`, removalID)
	return rs, mapErr(err)
}
