package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/postgres"
)

// TestADeviceThatKeepsFailingIsLockedOut: 30 wrong passwords at once with
// the admin's device cookie, from 30 addresses: exactly the device's limit
// are evaluated; then its right password is refused too, until the window
// passes. The device's failures are its own: a new browser of the admin's
// at a new address still gets in.
func TestADeviceThatKeepsFailingIsLockedOut(t *testing.T) {
	clock := newClock()
	s := newStoreServer(t, behindTheBalancer, clock.use)
	stolen := s.device(s.adminEmail, "192.0.2.13")
	const n = 30
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.signInFrom(s.adminEmail, fmt.Sprint("errada-", i), fmt.Sprintf("198.18.5.%d", i+1), stolen).Status
		}()
	}
	wg.Wait()
	count := map[int]int{}
	for _, st := range statuses {
		count[st]++
	}
	if count[401] != domain.SignInPerDevice.Max || count[429] != n-domain.SignInPerDevice.Max {
		t.Fatalf("answers %v: want %d evaluated", count, domain.SignInPerDevice.Max)
	}
	s.want(s.signInFrom(s.adminEmail, testPassword, "192.0.2.13", stolen), 429, "too_many_attempts")
	s.want(s.signInFrom(s.adminEmail, testPassword, "203.0.113.40", nil), 204, "")
	clock.Add(domain.SignInPerDevice.Window)
	s.want(s.signInFrom(s.adminEmail, testPassword, "192.0.2.13", stolen), 204, "")
}

// revokingStore revokes the user's devices at the revokeAt-th device found
// trusted from now, right after it was found trusted and before its password
// is evaluated: the revocation commits in the middle of the sign-ins it races.
// A device found trusted by a look that began after the revocation
// returned is counted in late.
type revokingStore struct {
	*postgres.Store
	revokeAt      atomic.Int32
	revoked, late atomic.Int32
	userID        string
}

func (r *revokingStore) DeviceHit(ctx context.Context, id []byte, email string, now time.Time, window time.Duration, key string) (domain.Bucket, bool, error) {
	after := r.revoked.Load() > 0
	b, trusted, err := r.Store.DeviceHit(ctx, id, email, now, window, key)
	if trusted && after {
		r.late.Add(1)
	}
	if trusted && r.revokeAt.Add(-1) == 0 {
		if err := r.Store.RevokeDevices(ctx, r.userID, now); err != nil {
			return b, false, err
		}
		r.revoked.Add(1)
	}
	return b, trusted, err
}

// TestACookieRacingItsOwnRevocationIsNotTrustedAgain: during a lockout, ten
// times, the admin's device is revoked while its sign-in is being evaluated:
// that sign-in (judged trusted, right password) gets in, but is handed a new
// device, never the revoked one back, and the revoked cookie is refused from
// then on. Then twenty sign-ins with one cookie run at once and the third
// found trusted revokes it: no look at the device that began after the
// revocation returned finds it trusted (those already under way may, as
// ordered before it), the cookie is untrusted after, however the renewals
// and the revocation interleave; and a new password revokes every device.
func TestACookieRacingItsOwnRevocationIsNotTrustedAgain(t *testing.T) {
	var rs *revokingStore
	s := newStoreServer(t, behindTheBalancer, func(c *api.Config) {
		rs = &revokingStore{Store: c.Store.(*postgres.Store)}
		c.Store = rs
	})
	rs.userID = s.admin
	ck := s.device(s.adminEmail, "192.0.2.14")
	s.lockOut()
	for i := range 10 {
		rs.revokeAt.Store(1)
		r := s.want(s.signInFrom(s.adminEmail, testPassword, fmt.Sprintf("203.0.113.%d", 100+i), ck), 204, "")
		next := cookieNamed(r, "cr_device")
		if next == nil || next.Value == ck.Value {
			t.Fatalf("round %d: the revoked device was handed back: %v", i, next)
		}
		s.want(s.signInFrom(s.adminEmail, testPassword, fmt.Sprintf("203.0.113.%d", 150+i), ck), 429, "too_many_attempts")
		ck = next
	}
	rs.revokeAt.Store(3)
	rs.revoked.Store(0) // the rounds above each revoked, and made a new device after
	rs.late.Store(0)
	var wg sync.WaitGroup
	in := atomic.Int32{}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if s.signInFrom(s.adminEmail, testPassword, fmt.Sprintf("198.18.6.%d", i+1), ck).Status == 204 {
				in.Add(1)
			}
		}()
	}
	wg.Wait()
	t.Logf("%d of 20 sign-ins racing the revocation got in", in.Load())
	if in.Load() < 3 || in.Load() > int32(domain.SignInPerDevice.Max) || rs.late.Load() != 0 {
		t.Fatalf("%d sign-ins got in, %d found the device trusted after its revocation", in.Load(), rs.late.Load())
	}
	s.want(s.signInFrom(s.adminEmail, testPassword, "203.0.113.200", ck), 429, "too_many_attempts")
	fresh := s.device(s.adminEmail, "192.0.2.14")
	hash, _ := api.HashPassword(testPassword)
	if err := s.store.SetPasswordHash(context.Background(), s.admin, hash); err != nil {
		t.Fatal(err)
	}
	s.want(s.signInFrom(s.adminEmail, testPassword, "203.0.113.201", fresh), 429, "too_many_attempts")
}

// TestWhereTLSIsOnTheDeviceCookieIsHostPrefixed: over TLS the device
// cookie is __Host-cr_device (Secure, Path=/, no Domain), HttpOnly,
// SameSite=Strict, for 90 days, and only that name is read there: the
// same value under the plain name, as a sibling subdomain could plant it,
// is an untrusted client's.
func TestWhereTLSIsOnTheDeviceCookieIsHostPrefixed(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	https := func(addr string, ck *http.Cookie) answer {
		h := []string{"X-Forwarded-Proto", "https", "X-Forwarded-For", addr}
		if ck != nil {
			h = append(h, "Cookie", ck.Name+"="+ck.Value)
		}
		return s.request("POST", "/v1/session", map[string]string{"email": s.adminEmail, "password": testPassword}, h...)
	}
	in := s.want(https("192.0.2.15", nil), 204, "")
	ck := cookieNamed(in, "__Host-cr_device")
	if ck == nil || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteStrictMode || ck.Path != "/" || ck.Domain != "" ||
		ck.MaxAge != int(domain.SignInDeviceTTL.Seconds()) || ck.MaxAge != 90*24*3600 {
		t.Fatalf("over TLS: %v", in.Header.Values("Set-Cookie"))
	}
	if !strings.HasPrefix(in.Header.Get("Set-Cookie"), "__Host-cr_session=") {
		t.Fatalf("the session's cookie is not the first: %v", in.Header.Values("Set-Cookie"))
	}
	s.lockOut()
	s.want(https("203.0.113.90", &http.Cookie{Name: "cr_device", Value: ck.Value}), 429, "too_many_attempts")
	s.want(https("203.0.113.90", ck), 204, "")
	if plain := cookieNamed(s.want(s.signInFrom(s.adminEmail, testPassword, "192.0.2.15", nil), 204, ""), "cr_device"); plain == nil {
		t.Fatalf("over plain http (dev): %v", plain)
	}
}
