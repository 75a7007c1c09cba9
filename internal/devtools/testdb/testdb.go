// Package testdb gives each test its own migrated PostgreSQL database on the
// real server, dropped when the test ends.
package testdb

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/crm/channel-removal/migrations"
)

var seq atomic.Int64

// AdminURL is the maintenance connection used to create test databases.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_ADMIN_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// New creates a fresh database, applies the migrations and returns its URL and handle.
func New(tb testing.TB) (string, *sqlx.DB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := sqlx.Open("postgres", AdminURL())
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	defer admin.Close()
	name := fmt.Sprintf("cr_test_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("testdb: create %s: %v (is PostgreSQL up on 127.0.0.1:5432?)", name, err)
	}
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	dsn := u.String()
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	tb.Cleanup(func() {
		db.Close()
		a, err := sqlx.Open("postgres", AdminURL())
		if err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	if err := migrations.Up(ctx, db.DB, nil, nil); err != nil {
		tb.Fatalf("testdb: migrate: %v", err)
	}
	return dsn, db
}

// Empty names a database that does not exist yet (for `migrate up` to create),
// dropped when the test ends.
func Empty(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("cr_empty_%d_%d_%d", os.Getpid(), time.Now().UnixNano()%1e6, seq.Add(1))
	tb.Cleanup(func() {
		if a, err := sqlx.Open("postgres", AdminURL()); err == nil {
			a.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
			a.Close()
		}
	})
	u, _ := url.Parse(AdminURL())
	u.Path = "/" + name
	return u.String()
}
