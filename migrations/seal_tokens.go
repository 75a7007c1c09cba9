package migrations

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/crm/channel-removal/credentials"
)

// sealTokens is migration 4: every access token still stored in plaintext,
// in channel_credentials and in meta_unlinks, is sealed with the current
// CREDENTIALS_KEY, in the migration's transaction.
func sealTokens(keys *credentials.Keyring) func(ctx context.Context, tx *sql.Tx) error {
	return func(ctx context.Context, tx *sql.Tx) error {
		for _, t := range []struct{ table, key string }{
			{"channel_credentials", "channel_id"},
			{"meta_unlinks", "removal_id, run_id"},
		} {
			rows, err := tx.QueryContext(ctx, fmt.Sprintf(`SELECT ctid::text, channel_id, access_token FROM %s
				WHERE access_token IS NOT NULL AND access_token NOT LIKE 'enc:v1:%%' FOR UPDATE`, t.table))
			if err != nil {
				return err
			}
			type row struct{ ctid, channel, token string }
			var plain []row
			for rows.Next() {
				var r row
				if err := rows.Scan(&r.ctid, &r.channel, &r.token); err != nil {
					rows.Close()
					return err
				}
				plain = append(plain, r)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			if len(plain) > 0 && keys == nil {
				return errors.New("plaintext access tokens found: set CREDENTIALS_KEY to seal them (migration 4)")
			}
			for _, r := range plain {
				sealed, err := keys.Seal(r.channel, r.token)
				if err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, fmt.Sprintf(`UPDATE %s SET access_token = $1 WHERE ctid = $2::tid`, t.table), sealed, r.ctid); err != nil {
					return err
				}
			}
		}
		return nil
	}
}
