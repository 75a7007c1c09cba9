package postgres

// Databases themselves: created when missing (migrate up, dev), named,
// dropped (dev --reset).

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// EnsureDatabase creates the database named in dsn if it does not exist, by
// connecting to the server's maintenance database "postgres".
func EnsureDatabase(ctx context.Context, dsn string) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return fmt.Errorf("DATABASE_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return nil
	}
	admin := *u
	admin.Path = "/postgres"
	db, err := sqlx.Open("postgres", admin.String())
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name); err != nil {
		return err
	}
	if exists {
		return nil
	}
	_, err = db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name))
	var pqErr *pq.Error
	if errors.As(err, &pqErr) && pqErr.Code == "42P04" { // created concurrently
		return nil
	}
	return err
}

// WithDatabaseName is dsn naming another database on the same server.
func WithDatabaseName(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// DropDatabase drops the database named in dsn (dev --reset), closing its
// other connections first; a missing database is not an error.
func DropDatabase(ctx context.Context, dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" || name == "postgres" {
		return name, fmt.Errorf("refusing to drop database %q", name)
	}
	admin := *u
	admin.Path = "/postgres"
	db, err := sqlx.Open("postgres", admin.String())
	if err != nil {
		return name, err
	}
	defer db.Close()
	_, err = db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(name)+" WITH (FORCE)")
	return name, err
}
