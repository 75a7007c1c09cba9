// Package migrations holds the schema as embedded SQL files and applies them
// with goose, so the binary carries its own schema.
package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"

	"github.com/crm/channel-removal/credentials"
)

//go:embed *.sql
var files embed.FS

// Up applies every pending migration. keys seals the access tokens already
// stored in plaintext (migration 4); nil is enough for a database that has none.
func Up(ctx context.Context, db *sql.DB, log *slog.Logger, keys *credentials.Keyring) error {
	p, err := goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithGoMigrations(goose.NewGoMigration(4, &goose.GoFunc{RunTx: sealTokens(keys)}, nil)))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, r := range results {
		if log != nil {
			log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "took", r.Duration)
		}
	}
	return nil
}

// Files is the embedded SQL (tests step through the versions with goose).
func Files() fs.FS { return files }
