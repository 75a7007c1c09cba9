package e2e

import (
	"context"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// TestRemovalSurvivesAPostgresOutageMidDelete cuts the worker off Postgres
// (a TCP proxy drops every connection and refuses new ones) while the
// tombstoning transaction is in flight, keeps it cut for FAULT_OUTAGE
// (default 20 s; the closing note ran it with 5m), and checks that the
// verified removal waited visibly and then completed, with one tombstone, one
// unlink call and one audit record of each step.
func TestRemovalSurvivesAPostgresOutageMidDelete(t *testing.T) {
	outage := 20 * time.Second
	if v := os.Getenv("FAULT_OUTAGE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatal(err)
		}
		outage = d
	}
	s := newStack(t)
	proxy := s.workerThroughProxy()
	s.apiConfig = func(c *api.Config) { c.OutageRetryInterval = 2 * time.Second }
	s.start(true)

	ch := s.channel("whatsapp_cloud", "WO-"+s.account[:8], "")
	id := s.acknowledged(ch)
	code := s.lastCode()

	// Hold the channel's row so the tombstone blocks inside its transaction.
	lock, err := s.store.DB().BeginTxx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lock.Exec(`SELECT 1 FROM channels WHERE id = $1 FOR UPDATE`, ch); err != nil {
		t.Fatal(err)
	}
	verified := make(chan resp, 1)
	go func() {
		verified <- s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": code})
	}()
	s.eventually(func() bool { // the tombstone is waiting on our lock
		var n int
		s.store.DB().Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FOR UPDATE%' AND datname = current_database()`)
		return n > 0
	})
	proxy.Cut()
	cutAt := time.Now()
	lock.Rollback()
	t.Logf("Postgres cut for the worker mid-delete; outage %s", outage)

	if r := <-verified; r.Status != 200 {
		t.Fatalf("verify during the outage: %d %s", r.Status, r.Raw)
	}
	var doc domain.Removal
	s.eventually(func() bool {
		v, err := s.tc.QueryWorkflow(context.Background(), id, "", workflows.QueryStatus)
		return err == nil && v.Get(&doc) == nil && strings.Contains(doc.Step, "aguardando o banco de dados")
	})
	t.Logf("during the outage: %s — %s", doc.Status, doc.Step)
	time.Sleep(time.Until(cutAt.Add(outage)))
	if c, _ := s.store.Channel(context.Background(), ch); c.Status != "active" {
		t.Fatal("the tombstone went through while the worker had no database")
	}
	proxy.Restore()
	t.Logf("Postgres back after %s", time.Since(cutAt).Round(time.Second))

	deadline := time.Now().Add(2 * time.Minute)
	for {
		r := s.do("GET", "/v1/removals/"+id, s.adminToken, nil)
		if r.str("status") == "completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not completed after the outage: %s", r.Raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("completed %s after Postgres came back", time.Since(cutAt.Add(outage)).Round(time.Second))
	if c, _ := s.store.Channel(context.Background(), ch); c.Status != "removed" {
		t.Fatal("channel not removed")
	}
	if n := len(s.graph.Calls()); n != 1 {
		t.Fatalf("%d Graph calls, want exactly one", n)
	}
	trail, _ := s.store.AuditTrail(context.Background(), id)
	seen := map[string]int{}
	for _, a := range trail {
		seen[a.Action]++
	}
	for _, a := range []string{"channel_removed", "meta_unlinked", "removal_completed", "code_verified"} {
		if seen[a] != 1 {
			t.Fatalf("audit %s written %d times: %v", a, seen[a], seen)
		}
	}
}

func TestReadyzReports503WhenADependencyIsDown(t *testing.T) {
	s := newStack(t)
	s.start(false)
	s.want(s.do("GET", "/readyz", "", nil), 200, "")
	s.store.DB().Close()
	r := s.do("GET", "/readyz", "", nil)
	if r.Status != 503 || r.Raw != `{"status":"unavailable"}` { // why is in the log, not for whoever probes
		t.Fatalf("readyz with Postgres down: %d %s", r.Status, r.Raw)
	}
	s.want(s.do("GET", "/healthz", "", nil), 200, "")
	// An unreachable database is a 503 to retry, never a 500.
	for _, path := range []string{"/v1/channels", "/v1/removals", "/v1/channels/" + s.contact + "/conversations"} {
		if r := s.want(s.do("GET", path, s.adminToken, nil), 503, "unavailable"); r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: 503 without Retry-After", path)
		}
	}
}

// TestTemporalUnreachableIs503: the API answers 503 unavailable with
// Retry-After when Temporal does not answer, never a 500.
func TestTemporalUnreachableIs503(t *testing.T) {
	s := newStack(t)
	dead := unreachableTemporal(t)
	srv := httptest.NewServer(api.New(api.Config{Store: s.store, Removals: api.TemporalRemovals{Client: dead, Runs: s.store, Timeout: 2 * time.Second},
		JWTSecret: []byte(jwtSecret), CodeSecret: []byte(codeSecret), Log: quietLog()}).Handler())
	defer srv.Close()
	s.http = srv
	ch := s.channel("email", "", "")
	id := workflows.WorkflowID(ch)
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/v1/channels/" + ch + "/removals", nil},
		{"POST", "/v1/removals/" + id + "/cancel", nil},
	} {
		r := s.want(s.do(c.method, c.path, s.adminToken, c.body), 503, "unavailable")
		if r.Header.Get("Retry-After") == "" {
			t.Fatalf("%s %s: no Retry-After", c.method, c.path)
		}
	}
	// Reads come from Postgres and do not need Temporal.
	s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 404, "not_found")
	s.want(s.do("GET", "/v1/removals", s.adminToken, nil), 200, "")
	s.http = nil
}
