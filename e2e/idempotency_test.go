package e2e

import (
	"testing"

	"github.com/crm/channel-removal/domain"
)

// TestRetriedStepsAnswerTheFirstAnswer: a client that retries each step of
// a removal with its Idempotency-Key (a timeout, a lost answer) gets the
// first answer again, marked replayed, and the admin gets one code e-mail;
// the key with another body is a 422 that changes nothing.
func TestRetriedStepsAnswerTheFirstAnswer(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "PIDEM-"+s.account[:8])
	twice := func(path, key string, body any, status int) resp {
		t.Helper()
		first := s.want(s.postWithKey(path, key, body), status, "")
		for range 3 {
			again := s.want(s.postWithKey(path, key, body), status, "")
			if again.Raw != first.Raw || again.Header.Get("Idempotent-Replayed") != "true" {
				t.Fatalf("%s retried: %s (replayed %q), first %s", path, again.Raw, again.Header.Get("Idempotent-Replayed"), first.Raw)
			}
		}
		return first
	}
	id := twice("/v1/channels/"+ch+"/removals", "start-1", nil, 201).str("id")
	ack := map[string]any{"acknowledged": true}
	twice("/v1/removals/"+id+"/acknowledge", "ack-1", ack, 200)
	if n := len(s.codeMails()); n != 1 {
		t.Fatalf("%d code e-mails after a retried acknowledge, want 1", n)
	}
	s.want(s.postWithKey("/v1/removals/"+id+"/acknowledge", "ack-1", map[string]any{"acknowledged": true, "purge_after_days": 30}),
		422, string(domain.CodeIdempotencyKeyReused))
	verified := twice("/v1/removals/"+id+"/verify", "verify-1", map[string]any{"code": s.lastCode()}, 200)
	if st := verified.str("status"); st != string(domain.StatusRemoving) && st != string(domain.StatusCompleted) {
		t.Fatalf("verified: %s", verified.Raw)
	}
	s.until(id, string(domain.StatusCompleted))
	if n := len(s.codeMails()); n != 1 {
		t.Fatalf("%d code e-mails, want 1", n)
	}
	r := s.do("GET", "/v1/removals/"+id, s.adminToken, nil)
	if kept, _ := r.Body["retention"].(map[string]any); kept["purge_after_days"] != float64(0) {
		t.Fatalf("the refused acknowledge changed the removal: %s", r.Raw)
	}
}
