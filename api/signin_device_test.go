package api_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
)

// testClock is the API's clock, moved by the test (a throttle's next window).
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *testClock { return &testClock{now: time.Now()} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *testClock) use(cfg *api.Config) { cfg.Now = c.Now }

// signInFrom tries a password from an address, with a device cookie (nil: none).
func (s *storeServer) signInFrom(email, password, addr string, device *http.Cookie) answer {
	s.t.Helper()
	h := []string{"X-Forwarded-For", addr}
	if device != nil {
		h = append(h, "Cookie", device.Name+"="+device.Value)
	}
	return s.request("POST", "/v1/session", map[string]string{"email": email, "password": password}, h...)
}

// device signs in rightly from addr and returns the browser's device cookie.
func (s *storeServer) device(email, addr string) *http.Cookie {
	s.t.Helper()
	ck := cookieNamed(s.want(s.signInFrom(email, testPassword, addr, nil), 204, ""), "cr_device")
	if ck == nil {
		s.t.Fatal("a successful sign-in set no device cookie")
	}
	return ck
}

// attack guesses the admin's password from addrs addresses of the format
// addr (one %d), per guesses each, every address in parallel; it counts the
// answers by status. A 401 is a guess evaluated (a bcrypt comparison).
func (s *storeServer) attack(addr string, addrs, per int) map[int]int {
	var mu sync.Mutex
	count := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for a := range addrs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := range per {
				r := s.signInFrom(s.adminEmail, fmt.Sprint("errada-", a, "-", i), fmt.Sprintf(addr, a+1), nil)
				if r.Status == 429 && (r.Body["code"] != "too_many_attempts" || r.Header.Get("Retry-After") == "") {
					s.t.Errorf("a refusal without its code or Retry-After: %v %s", r.Header, r.Raw)
				}
				mu.Lock()
				count[r.Status]++
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return count
}

// TestManyAddressesGuessingOneEmailAreHeldToItsRate: 40 addresses guess the
// admin's password 3 times each, all at once (within each address's own
// limit): exactly domain.SignInUntrusted.Max guesses are evaluated in the
// window, the rest refused with Retry-After; the next window allows as
// many again, no more. Before device cookies all 120 were evaluated.
func TestManyAddressesGuessingOneEmailAreHeldToItsRate(t *testing.T) {
	clock := newClock()
	s := newStoreServer(t, behindTheBalancer, clock.use)
	for w := range 2 {
		count := s.attack(fmt.Sprintf("198.18.%d.%%d", w+1), 40, 3)
		t.Logf("window %d: 120 guesses from 40 addresses, answers %v", w+1, count)
		if count[401] != domain.SignInUntrusted.Max || count[429] != 120-domain.SignInUntrusted.Max {
			t.Fatalf("window %d: answers %v, want %d evaluated", w+1, count, domain.SignInUntrusted.Max)
		}
		clock.Add(domain.SignInUntrusted.Window)
	}
}

// TestTheOwnersDeviceSignsInDuringTheAttack: while 40 addresses guess the
// admin's password, the admin's browser with its device cookie signs in from
// a new address, and so does a new browser at an address the admin signed in
// from before; a new browser at a new address is what the lockout refuses.
func TestTheOwnersDeviceSignsInDuringTheAttack(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	const home = "192.0.2.10"
	laptop := s.device(s.adminEmail, home)
	if c := s.attack("198.18.3.%d", 40, 3); c[429] == 0 {
		t.Fatalf("the attack was never refused: %v", c)
	}
	// A second wave runs while the owner signs in.
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); s.attack("198.18.4.%d", 40, 3) }()
	for i := range 5 {
		s.want(s.signInFrom(s.adminEmail, testPassword, fmt.Sprintf("203.0.113.%d", 60+i), laptop), 204, "")
	}
	wg.Wait()
	s.want(s.signInFrom(s.adminEmail, testPassword, home, nil), 204, "")
	r := s.want(s.signInFrom(s.adminEmail, testPassword, "203.0.113.99", nil), 429, "too_many_attempts")
	if r.Header.Get("Retry-After") == "" || !strings.Contains(r.Body["detail"].(string), "navegador") {
		t.Fatalf("the lockout's refusal: %v %s", r.Header, r.Raw)
	}
}

// lockOut spends the admin's untrusted budget from fresh addresses.
func (s *storeServer) lockOut() {
	s.t.Helper()
	s.attack("198.18.9.%d", 4, domain.SignInPerEmail.Max)
	s.want(s.signInFrom(s.adminEmail, testPassword, "203.0.113.250", nil), 429, "too_many_attempts")
}

// forgeDevice signs a device cookie for email as the API does, with secret.
func forgeDevice(secret, email string, nonce []byte) *http.Cookie {
	k := hmac.New(sha256.New, []byte(secret))
	k.Write([]byte("channel-removal sign-in device cookie v1"))
	m := hmac.New(sha256.New, k.Sum(nil))
	m.Write([]byte(email + "\x00"))
	m.Write(nonce)
	enc := base64.RawURLEncoding
	return &http.Cookie{Name: "cr_device", Value: enc.EncodeToString(nonce) + "." + enc.EncodeToString(m.Sum(nil))}
}

// TestAForgedTamperedOrOtherEmailsDeviceCookieIsUntrusted: during a
// lockout, only the admin's own device cookie gets the admin in; the
// agent's cookie, the admin's with its signature or nonce changed, one
// signed with another key, one signed with ours but never issued, and
// garbage are untrusted clients, refused.
func TestAForgedTamperedOrOtherEmailsDeviceCookieIsUntrusted(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	mine := s.device(s.adminEmail, "192.0.2.11")
	agents := s.device("agente@loja.test", "192.0.2.12")
	s.lockOut()
	nonce, sig, _ := strings.Cut(mine.Value, ".")
	flip := func(v string) string { return map[bool]string{true: "B", false: "A"}[v[0] == 'A'] + v[1:] }
	other := make([]byte, 32)
	rand.Read(other)
	i := 0 // each from an address of its own: a success would make its address known
	for name, ck := range map[string]*http.Cookie{
		"the agent's":             agents,
		"signature changed":       {Name: "cr_device", Value: nonce + "." + flip(sig)},
		"nonce changed":           {Name: "cr_device", Value: flip(nonce) + "." + sig},
		"another key's":           forgeDevice("another-secret-of-thirty-two-bytes!!", s.adminEmail, other),
		"ours, never issued":      forgeDevice(testSecret, s.adminEmail, other),
		"garbage":                 {Name: "cr_device", Value: "x.y"},
		"the admin's, other name": {Name: "cr_device_", Value: mine.Value},
	} {
		i++
		if r := s.signInFrom(s.adminEmail, testPassword, fmt.Sprintf("203.0.113.%d", 80+i), ck); r.Status != 429 {
			t.Errorf("%s device cookie: %d %s, want the untrusted client's 429", name, r.Status, r.Raw)
		}
	}
	s.want(s.signInFrom(s.adminEmail, testPassword, "203.0.113.77", mine), 204, "")
	if v := cookieNamed(s.signInFrom(s.adminEmail, testPassword, "203.0.113.78", mine), "cr_device"); v == nil ||
		strings.Contains(v.Value, "admin") || strings.Contains(v.Value, "@") {
		t.Fatalf("the device cookie carries its e-mail, or is not renewed: %v", v)
	}
}
