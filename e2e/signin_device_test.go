package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
)

// signInVia tries a password as a client at addr (X-Forwarded-For, the
// stack's balancer being trusted) with its device cookie (nil: none).
func (s *stack) signInVia(email, password, addr string, device *http.Cookie) resp {
	s.t.Helper()
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequest("POST", s.http.URL+"/v1/session", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Forwarded-For", addr)
	if device != nil {
		req.AddCookie(device)
	}
	return s.send(req)
}

// TestTheAdminsBrowserGetsInWhileTheEmailIsLockedOut: on the whole stack,
// behind a trusted balancer, guesses from 4 addresses spend the admin's
// e-mail limit for untrusted clients; a new browser at a new address is then
// refused (429, Retry-After), the admin's own browser (its device cookie) and
// a new browser at the admin's usual address get in.
func TestTheAdminsBrowserGetsInWhileTheEmailIsLockedOut(t *testing.T) {
	w := newWebStackWith(t, func(s *stack) {
		s.apiConfig = func(c *api.Config) { c.TrustedProxies = []string{"127.0.0.1/32", "::1/128"} }
	}, false)
	const office = "192.0.2.21"
	in := w.want(w.signInVia(w.adminEmail(), webPassword, office, nil), 204, "")
	var device *http.Cookie
	for _, c := range (&http.Response{Header: in.Header}).Cookies() {
		if c.Name == "cr_device" {
			device = c
		}
	}
	if device == nil || device.MaxAge != 90*24*3600 || !device.HttpOnly || device.SameSite != http.SameSiteStrictMode {
		t.Fatalf("the device cookie: %v", in.Header.Values("Set-Cookie"))
	}
	evaluated := 0
	for a := range 4 {
		for i := range domain.SignInPerEmail.Max {
			if w.signInVia(w.adminEmail(), fmt.Sprint("errada-", a, i), fmt.Sprintf("198.18.7.%d", a+1), nil).Status == 401 {
				evaluated++
			}
		}
	}
	if evaluated != domain.SignInUntrusted.Max {
		t.Fatalf("%d guesses evaluated, want the e-mail's limit %d", evaluated, domain.SignInUntrusted.Max)
	}
	r := w.want(w.signInVia(w.adminEmail(), webPassword, "203.0.113.31", nil), 429, "too_many_attempts")
	if r.Header.Get("Retry-After") == "" {
		t.Fatalf("no Retry-After: %v", r.Header)
	}
	w.want(w.signInVia(w.adminEmail(), webPassword, "203.0.113.32", device), 204, "")
	w.want(w.signInVia(w.adminEmail(), webPassword, office, nil), 204, "")
}
