// Package fakesendgrid is an httptest stand-in for SendGrid's v3 Mail Send
// API, for tests that drive the real sendgrid-go client against it.
package fakesendgrid

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sync"
	"testing"
	"time"
)

// Server answers POST /v3/mail/send with the configured statuses.
type Server struct {
	mu       sync.Mutex
	statuses []int // answered in order; the last one repeats; 0 = hang
	mails    []Mail
	holding  int // requests held unanswered now (status 0)
	srv      *httptest.Server
}

// Mail is a message SendGrid accepted.
type Mail struct {
	To, Subject, Text, Auth string
}

// New starts a fake closed when the test ends. No statuses means 202 always.
func New(tb testing.TB, statuses ...int) *Server {
	f := Start(statuses...)
	tb.Cleanup(f.Close)
	return f
}

// Start starts a fake outside a test (the rehearsal); Close stops it.
func Start(statuses ...int) *Server {
	f := &Server{statuses: statuses}
	if len(f.statuses) == 0 {
		f.statuses = []int{http.StatusAccepted}
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	return f
}

// Close stops the fake.
func (f *Server) Close() { f.srv.Close() }

// URL is the base URL to use as SENDGRID_BASE_URL.
func (f *Server) URL() string { return f.srv.URL }

// SetStatuses changes the answers from now on.
func (f *Server) SetStatuses(statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.statuses = statuses
}

func (f *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	st := f.statuses[0]
	if len(f.statuses) > 1 {
		f.statuses = f.statuses[1:]
	}
	f.mu.Unlock()
	if st == 0 { // hang until the client gives up
		f.mu.Lock()
		f.holding++
		f.mu.Unlock()
		defer func() { f.mu.Lock(); f.holding--; f.mu.Unlock() }()
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
		return
	}
	if r.URL.Path != "/v3/mail/send" || r.Method != http.MethodPost {
		http.Error(w, "wrong endpoint", http.StatusNotFound)
		return
	}
	if st < 200 || st >= 300 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(st)
		w.Write([]byte(`{"errors":[{"message":"simulated failure","field":null}]}`))
		return
	}
	var m struct {
		Personalizations []struct {
			To []struct{ Email string } `json:"to"`
		} `json:"personalizations"`
		Subject string `json:"subject"`
		Content []struct{ Type, Value string }
	}
	json.Unmarshal(body, &m)
	sm := Mail{Subject: m.Subject, Auth: r.Header.Get("Authorization")}
	if len(m.Personalizations) > 0 && len(m.Personalizations[0].To) > 0 {
		sm.To = m.Personalizations[0].To[0].Email
	}
	for _, c := range m.Content {
		if c.Type == "text/plain" {
			sm.Text = c.Value
		}
	}
	f.mu.Lock()
	f.mails = append(f.mails, sm)
	f.mu.Unlock()
	w.WriteHeader(st)
}

// Holding is how many requests the fake holds unanswered now.
func (f *Server) Holding() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.holding
}

// Sent returns the accepted mails.
func (f *Server) Sent() []Mail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Mail(nil), f.mails...)
}

var codeRe = regexp.MustCompile(`Código de verificação: (\d{6,})`)

// Code extracts the verification code from a mail.
func (m Mail) Code(tb testing.TB) string {
	tb.Helper()
	code, ok := m.CodeIn()
	if !ok {
		tb.Fatalf("no code in mail %q", m.Text)
	}
	return code
}

// CodeIn extracts the verification code, if the mail has one.
func (m Mail) CodeIn() (string, bool) {
	g := codeRe.FindStringSubmatch(m.Text)
	if g == nil {
		return "", false
	}
	return g[1], true
}
