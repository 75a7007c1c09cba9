package api_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/workflows"
)

// mailingRemovals is a removal engine that sends a code e-mail on every
// acknowledge it is sent, with no deduplication of its own: whatever stops a
// second e-mail here is the API's Idempotency-Key. gate, when set, holds each
// update until it is closed.
type mailingRemovals struct {
	noRemovals
	mails   atomic.Int32
	entered chan struct{}
	gate    chan struct{}
	fail    atomic.Bool // answer 503, as an unreachable Temporal does
}

func (m *mailingRemovals) Update(_ context.Context, id, name string, _ any) (domain.Removal, error) {
	if m.entered != nil {
		m.entered <- struct{}{}
	}
	if m.gate != nil {
		<-m.gate
	}
	if m.fail.Load() {
		return domain.Removal{}, domain.Errorf(domain.CodeUnavailable, "Temporal fora do ar").With("retry_after", 1)
	}
	n := m.mails.Add(1)
	return domain.Removal{ID: id, Status: domain.StatusAwaitingCode, Step: name, AttemptsLeft: int(n)}, nil
}

func idemServer(t *testing.T, m *mailingRemovals) *storeServer {
	return newStoreServer(t, func(c *api.Config) { c.Removals = m })
}

func (s *storeServer) ack(token, key string, body any) answer {
	s.t.Helper()
	return s.as(token, "POST", "/v1/removals/"+workflows.WorkflowID(s.channel)+"/acknowledge", body, "Idempotency-Key", key)
}

var ackBody = map[string]any{"acknowledged": true}

// TestARetriedAcknowledgeSendsOneCode: the same acknowledge with one key,
// sent 5 times, sends one e-mail and answers the first answer each time,
// marked replayed; the key with another body is a 422 and sends nothing;
// another account's same key is its own request.
func TestARetriedAcknowledgeSendsOneCode(t *testing.T) {
	m := &mailingRemovals{}
	s := idemServer(t, m)
	first := s.want(s.ack(s.adminToken, "ack-1", ackBody), 200, "")
	for range 5 {
		again := s.want(s.ack(s.adminToken, "ack-1", ackBody), 200, "")
		if again.Raw != first.Raw || again.Header.Get("Idempotent-Replayed") != "true" || again.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
			t.Fatalf("replay %s %v, want %s", again.Raw, again.Header, first.Raw)
		}
	}
	if first.Header.Get("Idempotent-Replayed") != "" {
		t.Fatal("the first answer is marked replayed")
	}
	s.want(s.ack(s.adminToken, "ack-1", map[string]any{"acknowledged": true, "release_number": true}), 422, "idempotency_key_reused")
	s.want(s.as(s.adminToken, "POST", "/v1/removals/"+workflows.WorkflowID(s.channel)+"/cancel", nil, "Idempotency-Key", "ack-1"), 422, "idempotency_key_reused")
	if n := m.mails.Load(); n != 1 {
		t.Fatalf("%d code e-mails, want 1", n)
	}

	// Another account, the same key: its own request, its own e-mail.
	other := seed.Builder{DB: s.store.DB()}
	acc, err := other.Account("", "Outra", "admin@outra.test")
	if err != nil {
		t.Fatal(err)
	}
	admin, _ := other.User("", acc, "admin@outra.test", "Admin", "admin")
	ch, _ := other.Channel(seed.ChannelSpec{AccountID: acc, Name: "E-mail", Kind: "email"})
	tok, _ := api.IssueToken([]byte(testSecret), admin, time.Hour)
	s.want(s.as(tok, "POST", "/v1/removals/"+workflows.WorkflowID(ch)+"/acknowledge", ackBody, "Idempotency-Key", "ack-1"), 200, "")
	if n := m.mails.Load(); n != 2 {
		t.Fatalf("another account's same key: %d e-mails, want 2", n)
	}
}

// TestTenAcknowledgesAtOnceSendOneCode: 10 identical acknowledges with one
// key at once: one reaches the engine, the 9 others are 409
// idempotency_key_in_flight while it runs; then the key replays its answer.
func TestTenAcknowledgesAtOnceSendOneCode(t *testing.T) {
	m := &mailingRemovals{entered: make(chan struct{}, 10), gate: make(chan struct{})}
	s := idemServer(t, m)
	answers := make(chan answer, 10)
	var wg sync.WaitGroup
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers <- s.ack(s.adminToken, "ack-par", ackBody)
		}()
	}
	<-m.entered // one holds the key, in the engine
	for range 9 {
		s.want(<-answers, 409, "idempotency_key_in_flight")
	}
	close(m.gate)
	wg.Wait()
	first := s.want(<-answers, 200, "")
	if again := s.want(s.ack(s.adminToken, "ack-par", ackBody), 200, ""); again.Raw != first.Raw {
		t.Fatalf("replay %s, want %s", again.Raw, first.Raw)
	}
	if n := m.mails.Load(); n != 1 {
		t.Fatalf("%d code e-mails, want 1", n)
	}
}

// TestAnAnswerToTryAgainIsNotKept: a 503 is not the key's answer: the same
// request sent again runs again (and a removal's update keeps its UpdateID,
// so Temporal runs it once).
func TestAnAnswerToTryAgainIsNotKept(t *testing.T) {
	m := &mailingRemovals{}
	s := idemServer(t, m)
	m.fail.Store(true)
	s.want(s.ack(s.adminToken, "ack-503", ackBody), 503, "unavailable")
	m.fail.Store(false)
	s.want(s.ack(s.adminToken, "ack-503", ackBody), 200, "")
	if again := s.ack(s.adminToken, "ack-503", ackBody); again.Header.Get("Idempotent-Replayed") != "true" || m.mails.Load() != 1 {
		t.Fatalf("after the 503: %d e-mails, replayed %q", m.mails.Load(), again.Header.Get("Idempotent-Replayed"))
	}
}
