package metagraph

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent unlinks reuse their connections to Graph: a second wave as wide
// as the first opens (almost) none, where net/http's default of 2 idle
// connections per host would open one per call past the second.
func TestConcurrentCallsReuseConnections(t *testing.T) {
	var opened atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond) // keep the wave's calls overlapping
		w.Write([]byte(`{"success":true}`))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			opened.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()

	c := New(srv.URL, "v23.0", 5*time.Second)
	const width = 16
	wave := func() int64 {
		before := opened.Load()
		var wg sync.WaitGroup
		for i := 0; i < width; i++ {
			wg.Go(func() {
				if _, err := c.UnsubscribeApp(context.Background(), "waba-1", "token"); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		return opened.Load() - before
	}
	if first := wave(); first < 2 {
		t.Fatalf("the first wave opened %d connections: the calls did not overlap", first)
	}
	time.Sleep(50 * time.Millisecond) // let the last responses' connections return to the pool
	if again := wave(); again > 2 {
		t.Fatalf("the second wave of %d concurrent calls opened %d new connections; want them reused", width, again)
	}
}
