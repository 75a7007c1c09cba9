package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/workflows"
)

// send runs a prepared request and decodes the answer.
func (s *stack) send(req *http.Request) resp {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	json.Unmarshal(raw, &out.Body)
	return out
}

func (s *stack) signInReq(email, password string) resp {
	s.t.Helper()
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequest("POST", s.http.URL+"/v1/session", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	return s.send(req)
}

func (s *stack) signInCookie(email, password string) *http.Cookie {
	s.t.Helper()
	r := s.signInReq(email, password)
	if r.Status != 204 {
		s.t.Fatalf("sign-in: %d %s", r.Status, r.Raw)
	}
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "cr_session" {
			return c
		}
	}
	s.t.Fatalf("no session cookie: %v", r.Header)
	return nil
}

func (s *stack) withCookie(method, path string, c *http.Cookie, body any) resp {
	s.t.Helper()
	var rd io.Reader
	if body != nil {
		j, _ := json.Marshal(body)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.http.URL+path, rd)
	req.AddCookie(c)
	req.Header.Set("Content-Type", "application/json")
	return s.send(req)
}

func TestSessionCookieSignOutAndNoEnumeration(t *testing.T) {
	w := newWebStack(t)
	r := w.signInReq(w.adminEmail(), webPassword)
	if r.Status != 204 {
		t.Fatalf("%d %s", r.Status, r.Raw)
	}
	sc := r.Header.Get("Set-Cookie")
	for _, attr := range []string{"cr_session=", "HttpOnly", "SameSite=Strict", "Max-Age=", "Path=/"} {
		if !strings.Contains(sc, attr) {
			t.Errorf("session cookie lacks %s: %s", attr, sc)
		}
	}
	cookie := w.signInCookie(w.adminEmail(), webPassword)
	me := w.want(w.withCookie("GET", "/v1/session", cookie, nil), 200, "")
	if me.str("id") != w.admin || me.str("role") != "admin" {
		t.Fatalf("whoami: %s", me.Raw)
	}
	w.want(w.withCookie("GET", "/v1/channels", cookie, nil), 200, "")
	// Bearer tokens keep working for API clients.
	w.want(w.do("GET", "/v1/channels", w.adminToken, nil), 200, "")

	// Wrong password and unknown e-mail read the same.
	wrong := w.want(w.signInReq(w.adminEmail(), "nope"), 401, "invalid_credentials")
	unknown := w.want(w.signInReq("ninguem@loja.test", "nope"), 401, "invalid_credentials")
	if wrong.str("detail") != unknown.str("detail") || wrong.str("title") != unknown.str("title") {
		t.Fatalf("messages tell users apart: %q vs %q", wrong.str("detail"), unknown.str("detail"))
	}

	// Sign-out ends the session on the server, not only in the browser.
	out := w.withCookie("DELETE", "/v1/session", cookie, nil)
	if out.Status != 204 || !strings.Contains(out.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("sign-out: %d %v", out.Status, out.Header)
	}
	w.want(w.withCookie("GET", "/v1/channels", cookie, nil), 401, "unauthorized")
	w.want(w.withCookie("GET", "/v1/channels", &http.Cookie{Name: "cr_session", Value: "forged"}, nil), 401, "unauthorized")
}

func TestSessionExpires(t *testing.T) {
	s := newStack(t)
	now := time.Now()
	s.apiConfig = func(c *api.Config) { c.Now = func() time.Time { return now }; c.SessionTTL = time.Hour }
	s.start(false)
	hash, _ := api.HashPassword(webPassword)
	s.store.SetPasswordHash(context.Background(), s.admin, hash)
	u, _, _, _ := s.store.UserWithRemoval(context.Background(), s.admin, "", "")
	cookie := s.signInCookie(u.Email, webPassword)
	s.want(s.withCookie("GET", "/v1/channels", cookie, nil), 200, "")
	now = now.Add(time.Hour + time.Second)
	s.want(s.withCookie("GET", "/v1/channels", cookie, nil), 401, "unauthorized")
}

func TestSignInIsThrottledPerEmailAndPerIP(t *testing.T) {
	w := newWebStack(t)
	for i := 0; i < 5; i++ {
		w.want(w.signInReq(w.adminEmail(), fmt.Sprint("wrong-", i)), 401, "invalid_credentials")
	}
	r := w.want(w.signInReq(w.adminEmail(), webPassword), 429, "too_many_attempts")
	if ra, _ := strconv.Atoi(r.Header.Get("Retry-After")); ra < 60 || ra > 15*60 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Another e-mail from the same IP still gets in, until the IP's own limit.
	w.want(w.signInReq(w.agentEmail(), webPassword), 204, "")
	for i := 0; i < 15; i++ {
		w.signInReq(fmt.Sprintf("guess-%d@loja.test", i), "x")
	}
	w.want(w.signInReq(w.agentEmail(), webPassword), 429, "too_many_attempts")
}

func TestWebRoutesAndAccountBoundaries(t *testing.T) {
	w := newWebStack(t)
	other := newWebStack(t, false)
	otherConv := other.oficialConv

	// GET /v1/channels/{id}: details and impact preview; another account's is a 404.
	ch := w.want(w.do("GET", "/v1/channels/"+w.vendas, w.adminToken, nil), 200, "")
	im := ch.Body["impact"].(map[string]any)
	if atts := im["active_attendances"].([]any); len(atts) != 1 || atts[0].(map[string]any)["contact"] != "João Pereira" {
		t.Fatalf("impact: %s", ch.Raw)
	}
	w.want(w.do("GET", "/v1/channels/"+other.oficial, w.adminToken, nil), 404, "not_found")

	// Conversations: detail, continue and their errors.
	w.want(w.do("GET", "/v1/conversations/"+otherConv, w.adminToken, nil), 404, "not_found")
	w.want(w.do("POST", "/v1/conversations/"+otherConv+"/continue", w.adminToken, map[string]any{"channel_id": w.email}), 404, "not_found")
	w.want(w.do("POST", "/v1/conversations/"+w.oficialConv+"/continue", w.adminToken, map[string]any{"channel_id": other.email}), 404, "not_found")
	w.want(w.do("POST", "/v1/conversations/"+w.oficialConv+"/continue", w.adminToken, map[string]any{"channel_id": w.oficial}), 422, "same_channel")
	w.want(w.do("POST", "/v1/conversations/"+w.oficialConv+"/continue", w.adminToken, map[string]any{}), 400, "invalid_request")
	w.want(w.do("POST", "/v1/conversations/"+w.oficialConv+"/continue", w.adminToken, `{"channel_id":1}`), 400, "invalid_request")

	// Remove "E-mail Suporte" through the API, then it cannot be a target.
	id := w.want(w.do("POST", "/v1/channels/"+w.email+"/removals", w.adminToken, nil), 201, "").str("id")
	w.want(w.do("POST", "/v1/removals/"+id+"/acknowledge", w.adminToken, map[string]any{"acknowledged": true}), 200, "")
	w.want(w.do("POST", "/v1/removals/"+id+"/verify", w.adminToken, map[string]any{"code": w.lastCode()}), 200, "")
	w.until(id, "completed")
	w.want(w.do("POST", "/v1/conversations/"+w.oficialConv+"/continue", w.adminToken, map[string]any{"channel_id": w.email}), 409, "channel_removed")
	c := w.want(w.do("POST", "/v1/conversations/"+w.oficialConv+"/continue", w.adminToken, map[string]any{"channel_id": w.vendas}), 201, "")
	conv := w.want(w.do("GET", "/v1/conversations/"+c.str("id"), w.adminToken, nil), 200, "")
	if conv.str("channel_id") != w.vendas || conv.str("status") != "open" || conv.Body["channel_removed"] != false {
		t.Fatalf("continued conversation: %s", conv.Raw)
	}

	// GET /v1/removals: from Postgres, newest first, this account only.
	list := w.want(w.do("GET", "/v1/removals", w.adminToken, nil), 200, "")
	rs := list.Body["removals"].([]any)
	if len(rs) != 1 {
		t.Fatalf("removals: %s", list.Raw)
	}
	r0 := rs[0].(map[string]any)
	if r0["id"] != id || r0["channel_name"] != "E-mail Suporte" || r0["status"] != "completed" || r0["requested_by"] != w.admin ||
		r0["created_at"] == nil || r0["completed_at"] == nil {
		t.Fatalf("removal summary: %v", r0)
	}
	if ol := other.do("GET", "/v1/removals", other.adminToken, nil); !strings.Contains(ol.Raw, `"removals":[]`) {
		t.Fatalf("another account sees removals: %s", ol.Raw)
	}

	// Audit trail: every step, with actor and IP; another account's is a 404.
	au := w.want(w.do("GET", "/v1/removals/"+id+"/audit", w.adminToken, nil), 200, "")
	var actions []string
	for _, e := range au.Body["entries"].([]any) {
		m := e.(map[string]any)
		if m["action"] != "admin_notified" { // it follows removal_completed, asynchronously
			actions = append(actions, m["action"].(string))
		}
		if m["created_at"] == nil || m["detail"] == nil {
			t.Fatalf("audit entry: %v", m)
		}
	}
	if strings.Join(actions, ",") != "preflight_passed,acknowledged,code_sent,code_verified,channel_removed,removal_completed" {
		t.Fatalf("audit: %v", actions)
	}
	w.want(other.do("GET", "/v1/removals/"+id+"/audit", other.adminToken, nil), 404, "not_found")
	w.want(w.do("GET", "/v1/removals/"+workflows.WorkflowID(other.email)+"/audit", w.adminToken, nil), 404, "not_found")
}

// wantHistory checks the removal's latest run in GET /v1/removals (the read
// model in Postgres): its status, and whether it is closed.
func (s *stack) wantHistory(id, status string, closed bool) {
	s.t.Helper()
	r := s.want(s.do("GET", "/v1/removals", s.adminToken, nil), 200, "")
	for _, x := range r.Body["removals"].([]any) {
		m := x.(map[string]any)
		if m["id"] != id {
			continue
		}
		if m["status"] != status || (m["completed_at"] != nil) != closed {
			s.t.Fatalf("history of %s: want %s (closed %v), got %v", id, status, closed, m)
		}
		return
	}
	s.t.Fatalf("history lacks %s: %s", id, r.Raw)
}
