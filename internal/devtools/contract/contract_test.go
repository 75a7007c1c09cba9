package contract

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestTheCheckerRefusesWhatTheDocumentDoesNotSay: a wrong body, an
// undocumented status and a wrong media type fail; a documented answer and
// the 404 problem of an unknown route pass.
func TestTheCheckerRefusesWhatTheDocumentDoesNotSay(t *testing.T) {
	c, err := New()
	if err != nil {
		t.Fatal(err)
	}
	json := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	notFound := `{"type":"urn:channel-removal:problem:not_found","title":"Não encontrado","status":404,"detail":"rota não encontrada","code":"not_found"}`
	for _, tc := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		ok                 bool
	}{
		{"documented", "GET", "/v1/channels", 200, json, `{"channels":[{"id":"6f1c2a4e-8d0b-4a51-9d7e-2b5d3f0c9a11","name":"E-mail","kind":"email","official":false,"status":"active"}]}`, true},
		{"wrong type", "GET", "/v1/channels", 200, json, `{"channels":5}`, false},
		{"unknown kind", "GET", "/v1/channels", 200, json, `{"channels":[{"id":"6f1c2a4e-8d0b-4a51-9d7e-2b5d3f0c9a11","name":"E","kind":"fax","official":false,"status":"active"}]}`, false},
		{"undocumented status", "GET", "/v1/channels", 418, problem, notFound, false},
		{"problem as json", "GET", "/v1/channels/6f1c2a4e-8d0b-4a51-9d7e-2b5d3f0c9a11", 404, json, notFound, false},
		{"unknown code", "GET", "/v1/channels/6f1c2a4e-8d0b-4a51-9d7e-2b5d3f0c9a11", 404, problem, `{"type":"x","title":"x","status":404,"detail":"x","code":"nope"}`, false},
		{"unknown route", "GET", "/v1/nada", 404, problem, notFound, true},
		{"unknown route, 200", "GET", "/v1/nada", 200, json, `{}`, false},
	} {
		req := httptest.NewRequest(tc.method, "http://127.0.0.1"+tc.path, nil)
		if err := c.Check(req, tc.status, tc.header, []byte(tc.body)); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}
