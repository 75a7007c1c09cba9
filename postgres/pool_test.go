package postgres_test

import (
	"context"
	"testing"

	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// Warm leaves the whole pool open and idle, so a first burst of requests
// forks no Postgres backend.
func TestWarmOpensThePool(t *testing.T) {
	dsn, _ := testdb.New(t)
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := db.Stats().OpenConnections; n != 1 {
		t.Fatalf("before: %d open", n)
	}
	if err := postgres.Warm(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	if st := db.Stats(); st.OpenConnections != postgres.PoolSize || st.Idle != postgres.PoolSize {
		t.Fatalf("after: %d open, %d idle", st.OpenConnections, st.Idle)
	}
}
