// Package outbound builds the HTTP clients of the third-party APIs we call
// (the Meta Graph API, SendGrid).
package outbound

import (
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
)

// IdleConnsPerHost is how many idle connections a client keeps per host. Net/http's
// default keeps 2, so when more activities call one API at once (the worker runs
// up to 8 activity pollers, plus eager activities) every call past the second
// closes its connection afterwards and the next one opens a new one: a TCP and
// TLS handshake per call, paid in CPU on both ends, right when the load is highest.
const IdleConnsPerHost = 32

// Client returns a client with its own transport (Go's defaults otherwise:
// proxy from the environment, dial and TLS handshake timeouts, HTTP/2)
// keeping IdleConnsPerHost, and an overall timeout per request.
func Client(timeout time.Duration) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = IdleConnsPerHost
	t.MaxIdleConns = 4 * IdleConnsPerHost
	// otelhttp: each call a client span of the trace that made it, its
	// context in the traceparent header (tracing/).
	return &http.Client{Timeout: timeout, Transport: otelhttp.NewTransport(t)}
}
