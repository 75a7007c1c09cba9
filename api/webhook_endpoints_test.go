package api_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/domain"
)

type oneAddress netip.Addr

func (a oneAddress) LookupNetIP(context.Context, string, string) ([]netip.Addr, error) {
	return []netip.Addr{netip.Addr(a)}, nil
}

func integrations(allowPrivate bool, addr string) func(*api.Config) {
	keys, err := credentials.Parse("t1:dGVzdC1jcmVkZW50aWFscy1rZXktb2YtMzItYnl0ZXM=")
	if err != nil {
		panic(err)
	}
	return func(c *api.Config) {
		c.Integrations = api.Integrations{Store: c.Store.(api.IntegrationStore), Keys: keys, AllowPrivate: allowPrivate,
			RotationGrace: time.Hour, Resolver: oneAddress(netip.MustParseAddr(addr))}
	}
}

// SPEC §9's routes: admins only (an agent's 403), another account's
// endpoint a 404, the secret in the create and rotate answers alone and
// sealed at rest, events checked, and URLs to our own network refused
// outside WEBHOOK_ALLOW_PRIVATE.
func TestWebhookEndpointsAreTheAdminsAndKeepTheirSecret(t *testing.T) {
	s := newStoreServer(t, integrations(false, "203.0.113.9"))
	body := map[string]any{"url": "https://hooks.loja.test/in", "events": []string{"channel.removed", "messages.purged", "channel.removed"}}
	if a := s.as(s.agentTok, "POST", "/v1/webhook-endpoints", body); a.Status != 403 || a.Body["code"] != string(domain.CodeForbidden) {
		t.Fatalf("agent create: %d %s", a.Status, a.Raw)
	}
	if a := s.as(s.agentTok, "GET", "/v1/webhook-endpoints", nil); a.Status != 403 {
		t.Fatalf("agent list: %d", a.Status)
	}
	a := s.as(s.adminToken, "POST", "/v1/webhook-endpoints", body)
	secret, _ := a.Body["secret"].(string)
	id, _ := a.Body["id"].(string)
	if a.Status != 201 || !strings.HasPrefix(secret, "whsec_") || len(secret) < 6+32 || id == "" || len(a.Body["events"].([]any)) != 2 {
		t.Fatalf("create: %d %s", a.Status, a.Raw)
	}
	var stored string
	if err := s.store.DB().Get(&stored, `SELECT secret FROM webhook_endpoints WHERE id = $1`, id); err != nil || strings.Contains(stored, secret[6:]) {
		t.Fatalf("stored secret %q (%v) holds the secret in the clear", stored, err)
	}
	if l := s.as(s.adminToken, "GET", "/v1/webhook-endpoints", nil); l.Status != 200 || strings.Contains(l.Raw, "whsec_") || !strings.Contains(l.Raw, id) {
		t.Fatalf("list: %d %s", l.Status, l.Raw)
	}
	r := s.as(s.adminToken, "POST", "/v1/webhook-endpoints/"+id+"/rotate-secret", nil)
	if rs, _ := r.Body["secret"].(string); r.Status != 200 || !strings.HasPrefix(rs, "whsec_") || rs == secret {
		t.Fatalf("rotate: %d %s", r.Status, r.Raw)
	}
	if d := s.as(s.adminToken, "GET", "/v1/webhook-endpoints/"+id+"/deliveries", nil); d.Status != 200 || !strings.Contains(d.Raw, `"deliveries":[]`) {
		t.Fatalf("deliveries: %d %s", d.Status, d.Raw)
	}

	// Another account's admin sees nothing of it.
	other := mustT(t)(s.b.Account("", "Outra", "dono@outra.test"))
	otherAdmin := mustT(t)(s.b.User("", other, "admin@outra.test", "Outro", "admin"))
	tok := mustT(t)(api.IssueToken([]byte(testSecret), otherAdmin, time.Hour))
	for _, req := range [][2]string{{"DELETE", ""}, {"POST", "/rotate-secret"}, {"GET", "/deliveries"}} {
		if a := s.as(tok, req[0], "/v1/webhook-endpoints/"+id+req[1], nil); a.Status != 404 {
			t.Errorf("another account's %s %s: %d %s", req[0], req[1], a.Status, a.Raw)
		}
	}
	if l := s.as(tok, "GET", "/v1/webhook-endpoints", nil); strings.Contains(l.Raw, id) {
		t.Fatalf("another account lists it: %s", l.Raw)
	}

	for _, bad := range []map[string]any{
		{"url": "http://hooks.loja.test/in", "events": []string{"channel.removed"}},
		{"url": "https://127.0.0.1/in", "events": []string{"channel.removed"}},
	} {
		if a := s.as(s.adminToken, "POST", "/v1/webhook-endpoints", bad); a.Status != 422 || a.Body["code"] != string(domain.CodeWebhookURLRefused) {
			t.Errorf("%v: %d %s", bad["url"], a.Status, a.Raw)
		}
	}
	for _, bad := range []map[string]any{
		{"url": "https://hooks.loja.test/in", "events": []string{}},
		{"url": "https://hooks.loja.test/in", "events": []string{"channel.deleted"}},
	} {
		if a := s.as(s.adminToken, "POST", "/v1/webhook-endpoints", bad); a.Status != 400 {
			t.Errorf("events %v: %d %s", bad["events"], a.Status, a.Raw)
		}
	}
	if a := s.as(s.adminToken, "DELETE", "/v1/webhook-endpoints/"+id, nil); a.Status != 204 {
		t.Fatalf("delete: %d %s", a.Status, a.Raw)
	}
	if a := s.as(s.adminToken, "GET", "/v1/webhook-endpoints/"+id+"/deliveries", nil); a.Status != 404 {
		t.Fatalf("a deleted endpoint's deliveries: %d", a.Status)
	}
}

// A name that resolves inside our network is refused at registration.
func TestAWebhookNameResolvingToAPrivateAddressIsRefused(t *testing.T) {
	s := newStoreServer(t, integrations(false, "10.0.0.8"))
	a := s.as(s.adminToken, "POST", "/v1/webhook-endpoints", map[string]any{"url": "https://intranet.loja.test/in", "events": []string{"channel.removed"}})
	if a.Status != 422 || a.Body["code"] != string(domain.CodeWebhookURLRefused) {
		t.Fatalf("%d %s", a.Status, a.Raw)
	}
}

func mustT(t *testing.T) func(string, error) string {
	return func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
}

// TestAnEndpointsSecretIsNeverKeptForReplay: created and rotated under an
// Idempotency-Key, the answers carry the secret once; the kept answers (the
// idempotency table) hold no secret in the clear, and a replay of either
// answers without one (it used to replay the secret, a retired one after a
// rotation). No cache keeps them.
func TestAnEndpointsSecretIsNeverKeptForReplay(t *testing.T) {
	s := newStoreServer(t, integrations(false, "203.0.113.9"))
	body := map[string]any{"url": "https://hooks.loja.test/in", "events": []string{"channel.removed"}}
	a := s.as(s.adminToken, "POST", "/v1/webhook-endpoints", body, "Idempotency-Key", "k-create")
	secret, _ := a.Body["secret"].(string)
	id, _ := a.Body["id"].(string)
	if a.Status != 201 || !strings.HasPrefix(secret, "whsec_") || a.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s %v", a.Status, a.Raw, a.Header)
	}
	r := s.as(s.adminToken, "POST", "/v1/webhook-endpoints/"+id+"/rotate-secret", nil, "Idempotency-Key", "k-rotate")
	rotated, _ := r.Body["secret"].(string)
	if r.Status != 200 || !strings.HasPrefix(rotated, "whsec_") {
		t.Fatalf("rotate: %d %s", r.Status, r.Raw)
	}
	var kept []string
	if err := s.store.DB().Select(&kept, `SELECT convert_from(body, 'UTF8') FROM idempotency_keys WHERE body IS NOT NULL`); err != nil || len(kept) < 2 {
		t.Fatalf("kept answers: %v %v", kept, err)
	}
	for _, b := range kept {
		if strings.Contains(b, secret[6:]) || strings.Contains(b, rotated[6:]) || strings.Contains(b, "whsec_") {
			t.Fatalf("a kept answer holds a secret: %s", b)
		}
	}
	again := s.as(s.adminToken, "POST", "/v1/webhook-endpoints", body, "Idempotency-Key", "k-create")
	if again.Status != 201 || again.Body["id"] != id || strings.Contains(again.Raw, "whsec_") {
		t.Fatalf("replayed create: %d %s", again.Status, again.Raw)
	}
	if again := s.as(s.adminToken, "POST", "/v1/webhook-endpoints/"+id+"/rotate-secret", nil, "Idempotency-Key", "k-rotate"); again.Status != 200 || strings.Contains(again.Raw, "whsec_") {
		t.Fatalf("replayed rotation: %d %s", again.Status, again.Raw)
	}
}
