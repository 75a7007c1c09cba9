package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crm/channel-removal/domain"
)

// ExportChannel writes a channel's conversations, then its messages, to w,
// from one snapshot (a read-only repeatable-read transaction) so that both
// files and their counts agree, through server-side cursors fetched
// exportFetch rows at a time: memory stays flat however large the channel.
// The export holds one connection, and no row lock, while it streams.
//
// Before anything is read it takes one of the account's x.PerAccount places
// (a transaction-scoped advisory lock, so every API process counts the same
// places and a place is freed with the transaction however it ends), or is
// refused; and its transaction ends if it idles x.IdleTimeout on the client.
func (s *Store) ExportChannel(ctx context.Context, x domain.Export, w domain.ExportWriter) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	idle := x.IdleTimeout
	if idle <= 0 {
		idle = domain.DefaultExportIdleTimeout
	}
	if _, err := tx.ExecContext(ctx, `SELECT set_config('idle_in_transaction_session_timeout', $1, true)`,
		fmt.Sprint(idle.Milliseconds())); err != nil {
		return mapErr(err)
	}
	if err := accountPlace(ctx, tx, x); err != nil {
		return err
	}
	channelID := x.ChannelID
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

// exportLocks is the advisory locks' first key for the accounts' export
// places (the second is a hash of the account and the place).
const exportLocks = 0x45585054 // "EXPT"

// accountPlace takes one of the account's export places for the
// transaction, or refuses the export.
func accountPlace(ctx context.Context, tx *sqlx.Tx, x domain.Export) error {
	if x.PerAccount <= 0 {
		return nil
	}
	for place := range x.PerAccount {
		var got bool
		if err := tx.GetContext(ctx, &got, `SELECT pg_try_advisory_xact_lock($1, hashtext($2))`,
			exportLocks, fmt.Sprintf("%s/%d", x.AccountID, place)); err != nil {
			return mapErr(err)
		}
		if got {
			return nil
		}
	}
	return domain.TooManyAccountExports(x.PerAccount, ExportRetry)
}

// ExportRetry is the Retry-After of an export refused for its account's places.
const ExportRetry = 30 * time.Second

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
