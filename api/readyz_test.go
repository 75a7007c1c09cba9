package api_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crm/channel-removal/api"
)

// downStore is the store with Postgres refusing, as lib/pq says it.
type downStore struct{ api.Store }

func (downStore) Ping(context.Context) error {
	return errors.New(`pq: password authentication failed for user "app_prod" (db.internal.example:5432)`)
}

type downTemporal struct{ noRemovals }

func (downTemporal) Ready(context.Context) error {
	return errors.New("connection error: desc = transport: dial tcp 10.20.30.40:7233: connect: connection refused")
}

// TestReadyzSaysOnlyOkOrUnavailable: whoever reaches the probe learns that a
// dependency is down, never its host, user or address; the log has them.
func TestReadyzSaysOnlyOkOrUnavailable(t *testing.T) {
	var log bytes.Buffer
	srv := httptest.NewServer(api.New(api.Config{Store: downStore{}, Removals: downTemporal{}, JWTSecret: []byte(testSecret),
		Log: slog.New(slog.NewTextHandler(&log, nil))}).Handler())
	defer srv.Close()
	for range 3 { // every probe alike
		s := &storeServer{t: t, url: srv.URL}
		a := s.want(s.request("GET", "/readyz", nil), 503, "")
		if a.Raw != `{"status":"unavailable"}` {
			t.Fatalf("readyz tells more than unavailable: %s", a.Raw)
		}
	}
	for _, why := range []string{"app_prod", "10.20.30.40"} {
		if !strings.Contains(log.String(), why) {
			t.Fatalf("the log lacks %s: %s", why, log.String())
		}
	}
}
