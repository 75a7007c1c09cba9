package e2e

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"

	"github.com/crm/channel-removal/postgres"
)

// tcpProxy stands between the worker and Postgres so a test can cut the
// database off (every connection dropped, new ones refused) and bring it back.
type tcpProxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]struct{}
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.Cut() })
	go p.serve()
	return p
}

func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go p.pipe(c, up)
		go p.pipe(up, c)
	}
}

func (p *tcpProxy) pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// Cut drops every connection and refuses new ones until Restore.
func (p *tcpProxy) Cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]struct{}{}
}

func (p *tcpProxy) Restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// workerThroughProxy gives the stack's worker database connections of its
// own through a TCP proxy the test can cut (call it before start), closed
// when the test ends.
func (s *stack) workerThroughProxy() *tcpProxy {
	s.t.Helper()
	proxy := newTCPProxy(s.t, "127.0.0.1:5432")
	u, _ := url.Parse(s.dsn)
	u.Host = proxy.Addr()
	wdb, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { wdb.Close() })
	s.workerStore = postgres.New(wdb)
	return proxy
}
