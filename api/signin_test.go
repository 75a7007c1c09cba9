package api_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
)

// behindTheBalancer trusts the test's loopback peer as the load balancer, so
// X-Forwarded-For names each request's address (TRUSTED_PROXIES).
func behindTheBalancer(c *api.Config) { c.TrustedProxies = []string{"127.0.0.1/32"} }

// TestGuessesFromOneAddressDoNotLockTheOwnerOut: 12 wrong passwords for the
// admin from one address; the admin's right password from another, on a
// browser with no device cookie, gets in, while the guessing address stays
// refused: one address alone never reaches the e-mail's limit.
func TestGuessesFromOneAddressDoNotLockTheOwnerOut(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	for i := range 12 {
		a := s.signIn(s.adminEmail, fmt.Sprint("errada-", i), "203.0.113.7")
		if want := map[bool]int{true: 401, false: 429}[i < domain.SignInPerEmail.Max]; a.Status != want {
			t.Fatalf("guess %d: want %d, got %d %s", i+1, want, a.Status, a.Raw)
		}
	}
	s.want(s.signIn(s.adminEmail, testPassword, "203.0.113.7"), 429, "too_many_attempts")
	s.want(s.signIn(s.adminEmail, testPassword, "198.51.100.20"), 204, "")
}

// TestParallelGuessesFromOneAddressAreEvaluatedAtMostTheLimit: 30 wrong
// passwords at once from one address: at most the limit are evaluated; the
// owner still signs in from elsewhere.
func TestParallelGuessesFromOneAddressAreEvaluatedAtMostTheLimit(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	const n = 30
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.signIn(s.adminEmail, fmt.Sprint("errada-", i), "203.0.113.8").Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[401] > domain.SignInPerEmail.Max || count[401]+count[429] != n {
		t.Fatalf("answers %v: at most %d may be evaluated", count, domain.SignInPerEmail.Max)
	}
	s.want(s.signIn(s.adminEmail, testPassword, "203.0.113.8"), 429, "too_many_attempts")
	s.want(s.signIn(s.adminEmail, testPassword, "198.51.100.21"), 204, "")
}

// TestSpoofedForwardedForFromAnUntrustedPeerIsOneAddress: without a trusted
// balancer, X-Forwarded-For is anyone's to write; a new value each time
// makes no new address, so the hard limit still holds.
func TestSpoofedForwardedForFromAnUntrustedPeerIsOneAddress(t *testing.T) {
	s := newStoreServer(t)
	for i := range domain.SignInPerEmail.Max {
		s.want(s.signIn(s.adminEmail, fmt.Sprint("errada-", i), fmt.Sprintf("192.0.2.%d", i+1)), 401, "invalid_credentials")
	}
	for i := range 5 {
		s.want(s.signIn(s.adminEmail, testPassword, fmt.Sprintf("192.0.2.%d", 50+i)), 429, "too_many_attempts")
	}
}

// TestOneIPv6SlashSixtyFourIsOneAddress: 30 addresses of one IPv6 /64 (what
// one home line or cloud machine is handed), 5 guesses each, get the admin's
// password evaluated only as often as one address may; before, each address
// of the /64 was an address of its own (150 guesses a quarter hour).
func TestOneIPv6SlashSixtyFourIsOneAddress(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	evaluated := 0
	for a := range 30 {
		for i := range domain.SignInPerEmail.Max {
			if s.signIn(s.adminEmail, fmt.Sprint("errada-", a, "-", i), fmt.Sprintf("2001:db8:1:2::%x", a+1)).Status == 401 {
				evaluated++
			}
		}
	}
	if evaluated > domain.SignInPerEmail.Max {
		t.Fatalf("%d guesses evaluated from one IPv6 /64 in one window (limit per address: %d)", evaluated, domain.SignInPerEmail.Max)
	}
	// Another /64 is another address: the admin gets in from it.
	if r := s.signIn(s.adminEmail, testPassword, "2001:db8:9:9::1"); r.Status != 204 {
		t.Fatalf("the admin from another /64 answered %d", r.Status)
	}
}
