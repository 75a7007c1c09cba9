package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"

	"github.com/crm/channel-removal/domain"
)

// The specification's test vector (the reference library's TestWebhookSign).
func TestSignMatchesTheSpecificationsVector(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil || got != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Sign = %q, %v", got, err)
	}
}

// The reference library verifies what we sign with a fresh secret, and
// during a rotation's grace either secret alone verifies the header.
func TestTheReferenceLibraryVerifiesOurSignatures(t *testing.T) {
	old, _ := NewSecret()
	cur, _ := NewSecret()
	if !strings.HasPrefix(cur, SecretPrefix) || len(cur) < len(SecretPrefix)+32 {
		t.Fatalf("secret %q", cur)
	}
	body, err := Body(domain.Event{Type: domain.EventChannelRemoved, At: time.Now(), AccountID: "a", ChannelID: "c", RemovalID: "r",
		Data: map[string]any{"channel_id": "spoofed", "channel_name": "Loja"}})
	if err != nil || !strings.Contains(string(body), `"channel_id":"c"`) {
		t.Fatalf("body %s, %v", body, err)
	}
	id, now := MessageID("endpoint", domain.EventChannelRemoved, "removal"), time.Now()
	sigs, err := Signatures([]string{cur, old}, id, now, body)
	if err != nil {
		t.Fatal(err)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	h.Set("webhook-signature", sigs)
	for _, s := range []string{cur, old} {
		wh, err := standardwebhooks.NewWebhook(s)
		if err != nil {
			t.Fatal(err)
		}
		if err := wh.Verify(body, h); err != nil {
			t.Fatalf("verify with one of the secrets: %v", err)
		}
	}
	other, _ := NewSecret()
	wh, _ := standardwebhooks.NewWebhook(other)
	if err := wh.Verify(body, h); err == nil {
		t.Fatal("a secret never issued verified the signature")
	}
	if MessageID("endpoint", domain.EventChannelRemoved, "removal") != id || MessageID("other", domain.EventChannelRemoved, "removal") == id {
		t.Fatal("webhook-id is not a function of endpoint, type and fact")
	}
}

type fakeResolver map[string][]netip.Addr

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, errors.New("no such host")
}

func TestCheckURLRefusesInternalAddressesAfterResolution(t *testing.T) {
	r := fakeResolver{"hooks.example.com": {netip.MustParseAddr("203.0.113.7")},
		"rebind.example.com": {netip.MustParseAddr("203.0.113.8"), netip.MustParseAddr("10.1.2.3")},
		"meta.example.com":   {netip.MustParseAddr("169.254.169.254")}}
	for raw, ok := range map[string]bool{
		"https://hooks.example.com/in":      true,
		"http://hooks.example.com/in":       false,
		"https://rebind.example.com/":       false,
		"https://meta.example.com/latest":   false,
		"https://127.0.0.1/":                false,
		"https://[::1]/":                    false,
		"https://[::ffff:10.0.0.1]/":        false,
		"https://[::7f00:1]/":               false, // IPv4-compatible 127.0.0.1
		"https://[::a9fe:a9fe]/":            false, // IPv4-compatible 169.254.169.254
		"https://[fec0::1]/":                false,
		"https://[2001::1]/":                false, // Teredo
		"https://[100::1]/":                 false,
		"https://100.64.1.1/":               false,
		"https://user:pw@hooks.example.com": false,
		"https://nowhere.example.com/":      false,
		"ftp://hooks.example.com/":          false,
		"hooks.example.com":                 false,
	} {
		_, err := CheckURL(context.Background(), raw, false, r)
		if (err == nil) != ok || (err != nil && domain.ErrorCode(err) != domain.CodeWebhookURLRefused) {
			t.Errorf("CheckURL(%q) = %v; want allowed %v", raw, err, ok)
		}
	}
	if _, err := CheckURL(context.Background(), "http://127.0.0.1:9/x", true, r); err != nil {
		t.Fatalf("WEBHOOK_ALLOW_PRIVATE refused loopback http: %v", err)
	}
}

// At delivery time the dialled address is checked, whatever the name said
// when it was registered (DNS rebinding): a loopback receiver is never
// reached by the production client.
func TestTheClientRefusesToDialAPrivateAddress(t *testing.T) {
	hit := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit = true }))
	defer srv.Close()
	_, err := Client(false, 5*time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err == nil || !IsPrivateDial(err) || hit {
		t.Fatalf("post to %s: %v (reached %v)", srv.URL, err, hit)
	}
	resp, err := Client(true, 5*time.Second).Post(srv.URL, "application/json", strings.NewReader("{}"))
	if err != nil || !hit {
		t.Fatalf("allowed client: %v", err)
	}
	resp.Body.Close()
}
