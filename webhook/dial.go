package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/crm/channel-removal/domain"
)

// Guarding against SSRF: an endpoint is an address an account's admin
// chose, and our worker posts to it from inside our network. Outside
// WEBHOOK_ALLOW_PRIVATE only https to public addresses is allowed, checked
// twice: at registration, on every address the name resolves to (a clear
// 422 for the admin); and at each connection, on the address actually
// dialled (net.Dialer.Control), so a name that resolves to a public address
// when registered and to 10.0.0.1 later (DNS rebinding) is refused then.

// blocked are the ranges no endpoint may reach beyond what netip's
// predicates name: shared address space (CGNAT), IETF protocol
// assignments, benchmarking, reserved, and NAT64 (which embeds any IPv4).
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"), netip.MustParsePrefix("100.64.0.0/10"), netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("240.0.0.0/4"), netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"), netip.MustParsePrefix("2002::/16"),
	// IPv4-compatible (deprecated, embeds any IPv4), site-local, Teredo, discard-only.
	netip.MustParsePrefix("::/96"), netip.MustParsePrefix("fec0::/10"), netip.MustParsePrefix("2001::/32"),
	netip.MustParsePrefix("100::/64"),
}

// Public says whether an endpoint may be reached at addr.
func Public(addr netip.Addr) bool {
	addr = addr.Unmap()
	if !addr.IsValid() || addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsLinkLocalMulticast() ||
		addr.IsInterfaceLocalMulticast() || addr.IsMulticast() || addr.IsUnspecified() {
		return false
	}
	for _, p := range blocked {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

func refused(format string, args ...any) error {
	return domain.Errorf(domain.CodeWebhookURLRefused, format, args...)
}

// Resolver looks a host's addresses up (net.DefaultResolver; tests fake it).
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckURL validates an endpoint's URL at registration: absolute http(s)
// with a host and no credentials; outside allowPrivate, https and every
// address of its host public.
func CheckURL(ctx context.Context, raw string, allowPrivate bool, r Resolver) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case err != nil || u.Host == "" || u.Opaque != "":
		return nil, refused("informe um endereço completo, como https://exemplo.com.br/webhooks")
	case len(raw) > 2000:
		return nil, refused("o endereço tem mais de 2000 caracteres")
	case u.User != nil:
		return nil, refused("o endereço não pode conter usuário ou senha")
	case u.Fragment != "":
		return nil, refused("o endereço não pode conter fragmento (#)")
	case u.Scheme != "https" && !(allowPrivate && u.Scheme == "http"):
		return nil, refused("o endereço precisa começar com https://")
	}
	if allowPrivate {
		return u, nil
	}
	host := u.Hostname()
	addrs := []netip.Addr{}
	if a, err := netip.ParseAddr(host); err == nil {
		addrs = append(addrs, a)
	} else {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if addrs, err = r.LookupNetIP(ctx, "ip", host); err != nil || len(addrs) == 0 {
			return nil, refused("o nome %q não foi encontrado no DNS", host)
		}
	}
	for _, a := range addrs {
		if !Public(a) {
			return nil, refused("o endereço aponta para uma rede interna (%s); use um endereço público", a.Unmap())
		}
	}
	return u, nil
}

// errPrivate is the dial-time refusal: the address a connection was about
// to reach is not public.
var errPrivate = errors.New("webhook: address not public")

// dialControl refuses, just before connect(2), an address that is not public.
func dialControl(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("webhook: dial address %q: %w", address, err)
	}
	if !Public(ap.Addr()) {
		return fmt.Errorf("%w: %s", errPrivate, ap.Addr())
	}
	return nil
}

// Client is the HTTP client deliveries use: each attempt bounded by timeout,
// redirects not followed (a 3xx is an answer, not an instruction to post
// elsewhere), no proxy from the environment (it would dial the proxy, not
// the endpoint, and so escape the check), and, outside allowPrivate, every
// connection's address checked as it is dialled.
func Client(allowPrivate bool, timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	if !allowPrivate {
		d.Control = dialControl
	}
	tr := &http.Transport{DialContext: d.DialContext, ForceAttemptHTTP2: true, MaxIdleConns: 20, IdleConnTimeout: 60 * time.Second,
		TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: timeout}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// IsPrivateDial says whether err is a connection refused by the dial check.
func IsPrivateDial(err error) bool { return errors.Is(err, errPrivate) }
