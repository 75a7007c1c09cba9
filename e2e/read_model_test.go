package e2e

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// The removal's read model: what the API answers comes from Postgres, and no
// token is kept there in the clear.

func listReq(q string) *workflowservice.ListWorkflowExecutionsRequest {
	return &workflowservice.ListWorkflowExecutionsRequest{Query: q}
}

// TestRemovalDocumentIsReadFromPostgres: GET /v1/removals/{id} answers from the
// read model, the same document, with Temporal unreachable.
func TestRemovalDocumentIsReadFromPostgres(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("whatsapp_cloud", "WR-"+s.account[:8], "")
	id := s.acknowledged(ch)
	live := s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 200, "")
	if live.str("status") != "awaiting_code" || live.str("code_sent_to") == "" || live.Body["attempts_left"].(float64) != 5 {
		t.Fatalf("awaiting code: %s", live.Raw)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	done := s.until(id, "completed")

	dead, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Logger: sdklog.NewStructuredLogger(quietLog())})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	srv := httptest.NewServer(api.New(api.Config{Store: s.store, Removals: api.TemporalRemovals{Client: dead, Runs: s.store, Timeout: time.Second},
		JWTSecret: []byte(jwtSecret), CodeSecret: []byte(codeSecret), Log: quietLog()}).Handler())
	defer srv.Close()
	liveSrv := s.http
	s.http = srv
	r := s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 200, "")
	s.http = liveSrv
	for _, k := range []string{"status", "run_id", "channel_id"} {
		if r.str(k) != done.str(k) {
			t.Fatalf("%s: %q vs %q", k, r.str(k), done.str(k))
		}
	}
	mu := r.Body["meta_unlink"].(map[string]any)
	im := r.Body["impact"].(map[string]any)
	if mu["status"] != "unlinked" || r.Body["completed_at"] == nil || im["official_integration"] != true ||
		!strings.Contains(fmt.Sprint(r.Body["notes"]), "Meta Business") {
		t.Fatalf("document from Postgres: %s", r.Raw)
	}
}

// noPlaintextTokens reads every stored access token: each is sealed
// (CREDENTIALS_KEY), none holds the seeded plaintext.
func (s *stack) noPlaintextTokens() {
	s.t.Helper()
	var rows []string
	err := s.store.DB().Select(&rows, `SELECT access_token FROM channel_credentials
		UNION ALL SELECT access_token FROM meta_unlinks WHERE access_token IS NOT NULL`)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, v := range rows {
		if !strings.HasPrefix(v, "enc:v1:") || strings.Contains(v, "tok-") {
			s.t.Fatalf("plaintext token at rest: %q", v)
		}
	}
}
