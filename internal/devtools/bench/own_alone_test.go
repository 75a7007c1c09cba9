package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// removalRoundTrips is what a whole removal's own work (ownWork.removal: the
// API's five authorizing reads and the five steps' activities) sends to
// Postgres, in round trips, once each statement is prepared on its
// connection. It is the part of a removal's cost that is countable, and so
// can be held to: a round trip more fails here, to be added knowingly (and
// this figure, with the README's, changed); one fewer is news to record.
// 23 since the Meta call's intent: one round trip claims it before the call
// (the part's done answer read in the same statement), one writes Meta's
// answer after, apart from the attempt's record so a record that fails
// does not make the next try call Meta again.
const removalRoundTrips = 23

func TestARemovalsOwnWorkKeepsToItsRoundTrips(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dsn, seedDB := testdb.New(t)
	var writes atomic.Int64
	db, err := postgres.OpenWithDialer(ctx, dsn, countingDialer{writes: &writes})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Two connections: a transaction holds one while a statement new to the
	// pool is prepared on the other.
	db.SetMaxOpenConns(2)
	store := postgres.New(db)

	b := seed.Builder{DB: seedDB}
	account, err := b.Account("", "Loja Contada", "dono@contada.test")
	if err != nil {
		t.Fatal(err)
	}
	admin, err := b.User("", account, "admin@contada.test", "Admin", "admin")
	if err != nil {
		t.Fatal(err)
	}
	var chs []channel
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("Contada WhatsApp %d", i)
		id, err := b.Channel(seed.ChannelSpec{AccountID: account, Name: name, Kind: "whatsapp_cloud",
			WABAID: fmt.Sprintf("CONTADA-WABA-%d", i), Token: "token"})
		if err != nil {
			t.Fatal(err)
		}
		chs = append(chs, channel{id: id, name: name})
	}
	graph := httptest.NewServer(graphsim.New())
	defer graph.Close()
	sink := newMailSink()
	acts := benchActivities(store, sink, graph.URL, slog.New(slog.NewTextHandler(io.Discard, nil)))
	own := ownWork{acts: acts, api: store, sink: sink, secret: acts.CodeSecret, admin: admin}

	// The first removals prepare the statements on both connections.
	for _, ch := range chs[:2] {
		if err := own.removal(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range chs[2:] {
		before := writes.Load()
		if err := own.removal(ctx, ch); err != nil {
			t.Fatal(err)
		}
		if n := writes.Load() - before; n != removalRoundTrips {
			t.Fatalf("a removal's own work made %d round trips to Postgres, want %d", n, removalRoundTrips)
		}
	}
}

// countingDialer counts the writes on the connections it makes: lib/pq sends
// each exchange (a prepared statement's Bind/Execute/Sync, a BEGIN, a COMMIT)
// in one write and then waits for the answer, so a write is a round trip.
type countingDialer struct{ writes *atomic.Int64 }

func (d countingDialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

func (d countingDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return d.DialContext(ctx, network, address)
}

func (d countingDialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	c, err := (&net.Dialer{}).DialContext(ctx, network, address)
	if err != nil {
		return nil, err
	}
	return countedConn{Conn: c, writes: d.writes}, nil
}

type countedConn struct {
	net.Conn
	writes *atomic.Int64
}

func (c countedConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}
