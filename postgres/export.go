package postgres

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/crm/channel-removal/domain"
)

// ExportChannel writes a channel's conversations, then its messages, to w,
// from one snapshot (a read-only repeatable-read transaction) so that both
// files and their counts agree, through server-side cursors fetched
// exportFetch rows at a time: memory stays flat however large the channel.
// The export holds one connection, and no lock, while it streams.
func (s *Store) ExportChannel(ctx context.Context, channelID string, w domain.ExportWriter) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	e := export{tx: tx, channelID: channelID}
	var n domain.ExportCounts
	if err := tx.QueryRowContext(ctx, `
		SELECT (SELECT count(*) FROM conversations WHERE channel_id = $1),
		       (SELECT count(*) FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE v.channel_id = $1)`,
		channelID).Scan(&n.Conversations, &n.Messages); err != nil {
		return mapErr(err)
	}
	if err := w.Counted(n); err != nil {
		return err
	}
	if err := e.each(ctx, "export_conversations", `
		SELECT v.id, ct.name, ct.handle, v.status, v.created_at, v.updated_at, v.messages_purged_at
		FROM conversations v JOIN contacts ct ON ct.id = v.contact_id
		WHERE v.channel_id = $1 ORDER BY v.created_at, v.id`,
		func(rows *sqlx.Rows) error {
			var c domain.ExportConversation
			if err := rows.Scan(&c.ID, &c.Contact, &c.ContactHandle, &c.Status, &c.CreatedAt, &c.UpdatedAt, &c.MessagesPurgedAt); err != nil {
				return err
			}
			return w.Conversation(c)
		}); err != nil {
		return err
	}
	if err := w.Messages(); err != nil {
		return err
	}
	return e.each(ctx, "export_messages", `
		SELECT m.conversation_id, m.id, m.created_at, coalesce(u.name, ct.name), m.author_user_id IS NOT NULL, m.body
		FROM conversations v
		JOIN messages m ON m.conversation_id = v.id
		JOIN contacts ct ON ct.id = v.contact_id
		LEFT JOIN users u ON u.id = m.author_user_id
		WHERE v.channel_id = $1 ORDER BY v.created_at, v.id, m.created_at, m.id`,
		func(rows *sqlx.Rows) error {
			var m domain.ExportMessage
			if err := rows.Scan(&m.ConversationID, &m.ID, &m.CreatedAt, &m.Author, &m.FromUser, &m.Body); err != nil {
				return err
			}
			return w.Message(m)
		})
}

// exportFetch is how many rows each FETCH brings.
const exportFetch = 2000

type export struct {
	tx        *sqlx.Tx
	channelID string
}

// each declares a cursor for query and scans its rows a fetch at a time.
func (e export) each(ctx context.Context, cursor, query string, scan func(*sqlx.Rows) error) error {
	if _, err := e.tx.ExecContext(ctx, `DECLARE `+cursor+` NO SCROLL CURSOR FOR `+query, e.channelID); err != nil {
		return mapErr(err)
	}
	for {
		rows, err := e.tx.QueryxContext(ctx, fmt.Sprintf(`FETCH FORWARD %d FROM %s`, exportFetch, cursor))
		if err != nil {
			return mapErr(err)
		}
		n := 0
		for rows.Next() {
			n++
			if err := scan(rows); err != nil {
				rows.Close()
				return mapErr(err)
			}
		}
		if err := rows.Err(); err != nil {
			return mapErr(err)
		}
		rows.Close()
		if n < exportFetch {
			_, err := e.tx.ExecContext(ctx, `CLOSE `+cursor)
			return mapErr(err)
		}
	}
}
