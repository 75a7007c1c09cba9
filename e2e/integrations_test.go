package e2e

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// receiver is an integrator's endpoint on loopback: it keeps every request
// it accepted and can be taken down (its listener closed: connection
// refused) and brought back on the same address.
type receiver struct {
	t    *testing.T
	addr string
	mu   sync.Mutex
	got  []received
	srv  *http.Server
}

type received struct {
	Header http.Header
	Body   []byte
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{t: t, addr: "127.0.0.1:0"}
	r.up()
	t.Cleanup(r.down)
	return r
}

func (r *receiver) url() string { return "http://" + r.addr + "/eventos" }

func (r *receiver) up() {
	r.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port a closed listener held may linger a moment
		if ln, err = net.Listen("tcp", r.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		r.t.Fatal(err)
	}
	r.addr = ln.Addr().String()
	r.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.got = append(r.got, received{Header: req.Header.Clone(), Body: body})
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})}
	go r.srv.Serve(ln)
}

func (r *receiver) down() {
	if r.srv != nil {
		r.srv.Close()
		r.srv = nil
	}
}

// events are the requests received so far, by event type.
func (r *receiver) events() map[string][]received {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]received{}
	for _, g := range r.got {
		var typ struct{ Type string }
		json.Unmarshal(g.Body, &typ)
		out[typ.Type] = append(out[typ.Type], g)
	}
	return out
}

// ids counts the requests received per webhook-id.
func (r *receiver) ids() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := map[string]int{}
	for _, g := range r.got {
		n[g.Header.Get("webhook-id")]++
	}
	return n
}

// verify checks a request's signature with the Standard Webhooks reference library.
func verify(t *testing.T, secret string, g received) error {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	return wh.Verify(g.Body, g.Header)
}

// register registers the receiver for every event and returns the endpoint's id and secret.
func (s *stack) register(url string) (id, secret string) {
	s.t.Helper()
	r := s.want(s.do("POST", "/v1/webhook-endpoints", s.adminToken, map[string]any{"url": url, "events": []string{
		"channel.removed", "channel.disconnected", "removal.completed_with_warnings", "messages.purged", "conversations.exported"}}), 201, "")
	return r.str("id"), r.str("secret")
}

// within polls f for up to a minute: deliveries wait on retries and purges on
// their dates, so the bound is generous and nothing asserts how long it took.
func (s *stack) within(f func() bool) {
	s.t.Helper()
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if f() {
			return
		}
	}
	s.t.Fatal("condition never held within a minute")
}
