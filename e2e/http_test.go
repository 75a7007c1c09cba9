package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"time"
)

// The tests' HTTP client: a request to the API, what it answered, and waiting
// for a removal's status.

// resp is a decoded HTTP answer.
type resp struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    string
}

func (r resp) str(k string) string { v, _ := r.Body[k].(string); return v }

func (s *stack) do(method, path, token string, body any) resp {
	s.t.Helper()
	return s.doWith(method, path, token, body, nil)
}

// doWith is do with more request headers (an Idempotency-Key, say).
func (s *stack) doWith(method, path, token string, body any, header http.Header) resp {
	s.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = bytes.NewBufferString(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, s.http.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	s.conforms(req, res, raw)
	out := resp{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	json.Unmarshal(raw, &out.Body)
	return out
}

// want asserts status and, for errors, the problem+json code.
func (s *stack) want(r resp, status int, code string) resp {
	s.t.Helper()
	if r.Status != status {
		s.t.Fatalf("want %d %s, got %d: %s", status, code, r.Status, r.Raw)
	}
	if code != "" {
		if r.str("code") != code || r.Header.Get("Content-Type") != "application/problem+json" || r.str("title") == "" || r.str("detail") == "" {
			s.t.Fatalf("want problem+json code %s, got %s %s", code, r.Header.Get("Content-Type"), r.Raw)
		}
	}
	return r
}

// until polls GET /v1/removals/{id} until the status is one of want.
func (s *stack) until(id string, want ...string) resp {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var r resp
	for time.Now().Before(deadline) {
		r = s.do("GET", "/v1/removals/"+id, s.adminToken, nil)
		for _, w := range want {
			if r.str("status") == w {
				return r
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatalf("removal %s never reached %v: %s", id, want, r.Raw)
	return r
}

// acknowledged starts a removal of the channel and acknowledges its alert:
// the code is mailed. It returns the removal id.
func (s *stack) acknowledged(ch string) string {
	s.t.Helper()
	id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
	return id
}

// closed waits until the removal's run has closed, and the notices it
// started (the admins' notice comes after the status the API shows, as a
// workflow of its own) have closed too.
func (s *stack) closed(id string) {
	s.t.Helper()
	s.eventually(func() bool {
		d, err := s.tc.DescribeWorkflowExecution(context.Background(), id, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetCloseTime() != nil
	})
	for _, ev := range s.history(id).Events {
		if started := ev.GetChildWorkflowExecutionStartedEventAttributes(); started != nil {
			child := started.GetWorkflowExecution()
			s.eventually(func() bool {
				d, err := s.tc.DescribeWorkflowExecution(context.Background(), child.GetWorkflowId(), child.GetRunId())
				return err == nil && d.GetWorkflowExecutionInfo().GetCloseTime() != nil
			})
		}
	}
}

func (s *stack) eventually(f func() bool) {
	s.t.Helper()
	for i := 0; i < 100; i++ {
		if f() {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.t.Fatal("condition never held")
}
