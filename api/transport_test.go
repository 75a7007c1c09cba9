package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crm/channel-removal/api"
)

func cookieNamed(a answer, name string) *http.Cookie {
	for _, c := range (&http.Response{Header: a.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestWhereTLSIsOnTheCookieIsHostPrefixedAndHSTSIsSent: behind a trusted
// balancer that says https, the session cookie is __Host-cr_session (Secure,
// Path=/, no Domain) and every answer has HSTS; a cookie under the plain
// name (tossed from a sibling subdomain) is not a session there. Over plain
// http, and when an untrusted peer claims https, the cookie keeps its plain
// name and no HSTS is sent.
func TestWhereTLSIsOnTheCookieIsHostPrefixedAndHSTSIsSent(t *testing.T) {
	s := newStoreServer(t, behindTheBalancer)
	https := []string{"X-Forwarded-Proto", "https", "X-Forwarded-For", "203.0.113.30"}
	in := s.want(s.request("POST", "/v1/session", map[string]string{"email": s.adminEmail, "password": testPassword}, https...), 204, "")
	sc := in.Header.Get("Set-Cookie")
	host := cookieNamed(in, "__Host-cr_session")
	if host == nil || !strings.Contains(sc, "Secure") || !strings.Contains(sc, "Path=/") || strings.Contains(strings.ToLower(sc), "domain=") ||
		!strings.Contains(sc, "HttpOnly") || !strings.Contains(sc, "SameSite=Strict") {
		t.Fatalf("over TLS: %s", sc)
	}
	if h := in.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Fatalf("no HSTS over TLS: %v", in.Header)
	}
	for _, path := range []string{"/v1/session", "/healthz", "/nada"} {
		if a := s.request("GET", path, nil, append(https, "Cookie", "__Host-cr_session="+host.Value)...); a.Header.Get("Strict-Transport-Security") == "" {
			t.Fatalf("GET %s over TLS without HSTS", path)
		}
	}
	s.want(s.request("GET", "/v1/session", nil, append(https, "Cookie", "__Host-cr_session="+host.Value)...), 200, "")
	// The same token under the plain name is not believed over TLS.
	s.want(s.request("GET", "/v1/session", nil, append(https, "Cookie", "cr_session="+host.Value)...), 401, "unauthorized")
	out := s.want(s.request("DELETE", "/v1/session", nil, append(https, "Cookie", "__Host-cr_session="+host.Value)...), 204, "")
	if c := cookieNamed(out, "__Host-cr_session"); c == nil || c.MaxAge >= 0 {
		t.Fatalf("sign-out over TLS clears the __Host- cookie: %v", out.Header)
	}

	// Plain http (dev): the plain name, no HSTS.
	dev := newStoreServer(t, func(c *api.Config) { c.InsecureCookies = true })
	for _, h := range [][]string{nil, {"X-Forwarded-Proto", "https"}} { // the second from an untrusted peer
		a := dev.want(dev.request("POST", "/v1/session", map[string]string{"email": dev.adminEmail, "password": testPassword}, h...), 204, "")
		if cookieNamed(a, "cr_session") == nil || a.Header.Get("Strict-Transport-Security") != "" {
			t.Fatalf("over http (%v): %v", h, a.Header)
		}
	}
}
