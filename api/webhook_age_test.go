package api_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

const webhookSecret = "meta-app-secret-of-the-api-tests!"

// starts is the deliveries' Temporal side; down refuses every start, as an
// unreachable Temporal does (the delivery stays recorded, pending).
type starts struct {
	mu   sync.Mutex
	down bool
	got  []workflows.MetaAccessLostInput
}

func (s *starts) Start(_ context.Context, in workflows.MetaAccessLostInput) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.down {
		return domain.Errorf(domain.CodeUnavailable, "Temporal fora")
	}
	s.got = append(s.got, in)
	return nil
}

func signed(body string) string {
	m := hmac.New(sha256.New, []byte(webhookSecret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// lostAccess is an account_update delivery that cuts our app off waba; its
// entry carries time only when at is not zero.
func lostAccess(waba string, at time.Time) string {
	entry := `"id":"` + waba + `"`
	if !at.IsZero() {
		entry += fmt.Sprintf(`,"time":%d`, at.Unix())
	}
	return `{"object":"whatsapp_business_account","entry":[{` + entry +
		`,"changes":[{"field":"account_update","value":{"event":"PARTNER_REMOVED"}}]}]}`
}

// TestAnEntryWithoutTimeIsAsOldAsItsDelivery: an entry that carries no time
// cannot dodge the age check. Replayed more than a week after its delivery
// was first received (its run never started), it starts nothing; beside a
// dated entry more than a week old, it is as old as that one; a fresh one
// still acts.
func TestAnEntryWithoutTimeIsAsOldAsItsDelivery(t *testing.T) {
	now := time.Now()
	st := &starts{down: true}
	s := newStoreServer(t, func(c *api.Config) {
		c.MetaAppSecret, c.Deliveries, c.Now = webhookSecret, st, func() time.Time { return now }
	})
	post := func(body string) answer {
		return s.request("POST", "/webhooks/meta", body, "X-Hub-Signature-256", signed(body))
	}
	old := lostAccess("WABA-OLD", time.Time{})
	s.want(post(old), 503, "unavailable") // recorded, its run not started
	st.down = false
	now = now.Add(api.MaxDeliveryAge + time.Hour)
	for range 3 { // replayed again and again
		s.want(post(old), 200, "")
	}
	batched := `{"object":"whatsapp_business_account","entry":[` +
		fmt.Sprintf(`{"id":"WABA-A","time":%d,"changes":[{"field":"account_update","value":{"event":"PARTNER_REMOVED"}}]},`, now.Add(-api.MaxDeliveryAge-time.Hour).Unix()) +
		`{"id":"WABA-B","changes":[{"field":"account_update","value":{"event":"PARTNER_REMOVED"}}]}]}`
	s.want(post(batched), 200, "")
	if len(st.got) != 0 {
		t.Fatalf("old entries acted on: %+v", st.got)
	}
	s.want(post(lostAccess("WABA-NEW", time.Time{})), 200, "")
	if len(st.got) != 1 || st.got[0].Events[0].WABAID != "WABA-NEW" {
		t.Fatalf("a fresh entry without time: %+v", st.got)
	}
}
