package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// signals is the purge's Temporal side: it keeps each hold signal as its
// payload would travel (JSON).
type signals struct {
	mu   sync.Mutex
	sent []string
}

func (s *signals) Update(context.Context, string, string, any) error { return nil }
func (s *signals) HoldChanged(_ context.Context, _ string, v workflows.HoldChanged) error {
	b, err := json.Marshal(v)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sent = append(s.sent, string(b))
	return err
}

// TestTheHoldReasonStaysOutOfTemporal: setting and lifting a hold tells the
// purge only that it changed; the reason is in the audit trail, not in a
// signal whose payload Temporal's history keeps.
func TestTheHoldReasonStaysOutOfTemporal(t *testing.T) {
	sig := &signals{}
	s := newStoreServer(t, func(c *api.Config) { c.Purges = sig })
	const reason = "Segredo de justiça, processo 0001234-56"
	v := s.setHold(reason)
	s.want(s.as(s.adminToken, "DELETE", s.holdPath()+"?version="+v, nil), 200, "")
	if len(sig.sent) != 2 || !strings.Contains(sig.sent[0], `"held":true`) || !strings.Contains(sig.sent[1], `"held":false`) {
		t.Fatalf("signals: %v", sig.sent)
	}
	for _, p := range sig.sent {
		if strings.Contains(p, "Segredo") {
			t.Fatalf("the reason travels to Temporal: %s", p)
		}
	}
	trail := s.want(s.as(s.adminToken, "GET", "/v1/removals/"+workflows.WorkflowID(s.channel)+"/audit", nil), 200, "")
	if !strings.Contains(trail.Raw, reason) {
		t.Fatalf("the audit trail lacks the reason: %s", trail.Raw)
	}
}

// TestAgentsReadNeitherHoldReasonsNorTheAuditTrail: an agent sees that a
// hold stands, not why nor who set it, and the audit trail (admins' IPs,
// holds' reasons) is a 403; the admin reads both.
func TestAgentsReadNeitherHoldReasonsNorTheAuditTrail(t *testing.T) {
	s := newStoreServer(t)
	const reason = "Ofício judicial 42"
	s.setHold(reason)
	page := s.want(s.as(s.agentTok, "GET", "/v1/channels/"+s.channel, nil), 200, "")
	h, _ := page.Body["hold"].(map[string]any)
	if h == nil || h["at"] == nil || strings.Contains(page.Raw, reason) || strings.Contains(page.Raw, s.admin) {
		t.Fatalf("an agent's channel page: %s", page.Raw)
	}
	audit := "/v1/removals/" + workflows.WorkflowID(s.channel) + "/audit"
	a := s.want(s.as(s.agentTok, "GET", audit, nil), 403, string(domain.CodeForbidden))
	if strings.Contains(a.Raw, reason) {
		t.Fatalf("the refusal tells the reason: %s", a.Raw)
	}
	if h, _ := s.want(s.as(s.adminToken, "GET", "/v1/channels/"+s.channel, nil), 200, "").Body["hold"].(map[string]any); h["reason"] != reason {
		t.Fatalf("the admin's channel page: %v", h)
	}
	s.want(s.as(s.adminToken, "GET", audit, nil), 200, "")
}
