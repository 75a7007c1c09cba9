package api

import (
	"net"
	"net/netip"
	"strings"

	"github.com/gin-gonic/gin"
)

// Where TLS is on, the session cookie is __Host-cr_session (Secure, Path=/,
// no Domain: a sibling subdomain cannot set or overwrite it) and every
// answer carries HSTS; over plain http (`dev` on 127.0.0.1) it keeps its
// plain name, which a browser would refuse with the prefix.
const (
	hostSessionCookie = "__Host-" + sessionCookie
	// hsts: a year, this host only (the customer's other subdomains are not
	// ours to pin to https).
	hsts = "max-age=31536000"
)

// proxies are the TRUSTED_PROXIES, parsed once.
type proxies []netip.Prefix

func parseProxies(list []string) proxies {
	var ps proxies
	for _, p := range list {
		if pre, err := netip.ParsePrefix(p); err == nil {
			ps = append(ps, pre)
		} else if a, err := netip.ParseAddr(p); err == nil {
			ps = append(ps, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return ps
}

func (ps proxies) trusts(remoteAddr string) bool {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// overTLS says whether the client reached us over TLS: the connection is
// TLS, or a trusted balancer says so in X-Forwarded-Proto. Anyone else's
// header is not believed, as for X-Forwarded-For.
func (s *Server) overTLS(c *gin.Context) bool {
	if c.Request.TLS != nil {
		return true
	}
	return s.proxies.trusts(c.Request.RemoteAddr) && strings.EqualFold(strings.TrimSpace(c.GetHeader("X-Forwarded-Proto")), "https")
}

// cookieName is the session cookie's name on this request.
func (s *Server) cookieName(c *gin.Context) string {
	if s.overTLS(c) {
		return hostSessionCookie
	}
	return sessionCookie
}

// sessionCookieValue reads the session cookie under the name this request
// uses: over TLS only the __Host- one, so a cookie tossed from a sibling
// subdomain under the plain name is never taken for a session.
func (s *Server) sessionCookieValue(c *gin.Context) string {
	v, err := c.Cookie(s.cookieName(c))
	if err != nil {
		return ""
	}
	return v
}

// strictTransport sends HSTS on every answer where TLS is on.
func (s *Server) strictTransport() gin.HandlerFunc {
	return func(c *gin.Context) {
		if s.overTLS(c) {
			c.Header("Strict-Transport-Security", hsts)
		}
		c.Next()
	}
}
