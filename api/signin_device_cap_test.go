package api_test

import (
	"fmt"
	"testing"

	"github.com/crm/channel-removal/domain"
)

// TestSigningInOverAndOverKeepsABoundedNumberOfDevices: a user who signs in
// with their own password again and again without sending the device cookie
// back (a script, or an attacker with an account of their own) mints a new
// device each time, and successful sign-ins take their attempts back, so
// nothing throttles it. The devices a user keeps are bounded
// (domain.SignInDevicesPerUser): the least recently used make room, the
// newest cookie is trusted, the oldest no longer, and the table does not
// grow with the script's loop.
func TestSigningInOverAndOverKeepsABoundedNumberOfDevices(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	const loops = domain.SignInDevicesPerUser + 5
	first := s.device(s.adminEmail, "192.0.2.20")
	last := first
	for i := 1; i < loops; i++ {
		last = s.device(s.adminEmail, "192.0.2.20")
	}
	var n int
	if err := s.store.DB().Get(&n, `SELECT count(*) FROM sign_in_devices WHERE user_id = $1`, s.admin); err != nil {
		t.Fatal(err)
	}
	if n > domain.SignInDevicesPerUser {
		t.Fatalf("%d sign-ins left %d devices, want at most %d", loops, n, domain.SignInDevicesPerUser)
	}
	s.lockOut()
	s.want(s.signInFrom(s.adminEmail, testPassword, "203.0.113.120", last), 204, "")
	if r := s.signInFrom(s.adminEmail, testPassword, "203.0.113.121", first); r.Status != 429 {
		t.Fatalf("the least recently used device is still trusted: %d %s", r.Status, r.Raw)
	}
}

// TestSigningInFromManyAddressesKeepsABoundedNumberOfThem: a user signing in
// with their own password from ever new addresses (an IPv6 prefix has
// 65,536 /64s in a /48) records each as one they signed in from; the
// addresses a user keeps are bounded (domain.SignInAddressesPerUser), the
// most recent kept: the last still gets in past the e-mail's lockout.
func TestSigningInFromManyAddressesKeepsABoundedNumberOfThem(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	const loops = domain.SignInAddressesPerUser + 5
	var last string
	for i := range loops {
		last = fmt.Sprintf("2001:db8:%x::1", i+1)
		s.want(s.signInFrom(s.adminEmail, testPassword, last, nil), 204, "")
	}
	var n int
	if err := s.store.DB().Get(&n, `SELECT count(*) FROM sign_in_addresses WHERE user_id = $1`, s.admin); err != nil {
		t.Fatal(err)
	}
	if n > domain.SignInAddressesPerUser {
		t.Fatalf("%d sign-ins from new addresses left %d, want at most %d", loops, n, domain.SignInAddressesPerUser)
	}
	s.lockOut()
	s.want(s.signInFrom(s.adminEmail, testPassword, last, nil), 204, "")
}
