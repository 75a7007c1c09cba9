// Package graphsim simulates the slice of the Meta Graph API our app calls
// (DELETE /{version}/{object}/subscribed_apps, POST
// /{version}/{phone-number-id}/deregister, a number's webhook_configuration,
// DELETE /{version}/{allocation-config-id} for a WABA on our credit line). `dev` serves it locally and tests
// use it as an httptest server; it can be told to fail the next N calls.
package graphsim

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// Failure is an injected error response.
type Failure struct {
	HTTPStatus int    `json:"http_status"`
	Code       int    `json:"code"`
	Subcode    int    `json:"subcode"`
	Message    string `json:"message"`
	// RegainMinutes, when set, answers with Meta's usage header saying how
	// many minutes until calls work again (estimated_time_to_regain_access).
	RegainMinutes int `json:"regain_minutes,omitempty"`
}

// Call is one request the simulator received.
type Call struct {
	Method   string
	Path     string
	ObjectID string
	HasToken bool
	OK       bool // answered success
}

// Sim is the simulator; the zero value is not usable, call New.
type Sim struct {
	mu           sync.Mutex
	calls        []Call
	failures     []Failure
	failObject   map[string]Failure
	unsubscribed map[string]bool
	deregistered map[string]bool
	gone         map[string]bool
	// overrides are the phone numbers' callback overrides (webhook_configuration.phone_number).
	overrides map[string]string
	// credit are the allocation configs of our credit line shared with a
	// WABA (ShareCreditLine): config id → WABA id; revoked, those deleted.
	// partner is the Solution Partner's system-user token, the only one
	// they answer (credit_line.go).
	credit, revoked map[string]string
	partner         string
	// tokens are the tokens objects expect (Expect); an object without one
	// takes any non-empty bearer token.
	tokens map[string]map[string]bool
}

// New returns a simulator where every object has our app subscribed.
func New() *Sim {
	return &Sim{unsubscribed: map[string]bool{}, deregistered: map[string]bool{}, gone: map[string]bool{}, failObject: map[string]Failure{},
		overrides: map[string]string{}, tokens: map[string]map[string]bool{}, credit: map[string]string{}, revoked: map[string]string{}}
}

// SetOverride sets a callback override on a phone number, as an app (ours,
// or another) does with POST /{phone-number-id} webhook_configuration.
func (s *Sim) SetOverride(phoneNumberID, uri string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.overrides[phoneNumberID] = uri
}

// Override is the phone number's callback override ("" when none).
func (s *Sim) Override(phoneNumberID string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.overrides[phoneNumberID]
}

// Expect makes the objects (a WABA, a page, a phone number) accept token,
// in plaintext, as Meta would, beside the tokens of other channels on them:
// an object with expected tokens answers any other (a sealed one, say) 190.
func (s *Sim) Expect(token string, objectIDs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range objectIDs {
		if id == "" {
			continue
		}
		if s.tokens[id] == nil {
			s.tokens[id] = map[string]bool{}
		}
		s.tokens[id][token] = true
	}
}

// FailObject makes every call on objectID answer f until ClearFailures (a
// token revoked for one WABA, say).
func (s *Sim) FailObject(objectID string, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failObject[objectID] = f
}

// ClearFailures ends every FailObject and FailNext.
func (s *Sim) ClearFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failObject, s.failures = map[string]Failure{}, nil
}

// FailNext makes the next n calls answer with f.
func (s *Sim) FailNext(n int, f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < n; i++ {
		s.failures = append(s.failures, f)
	}
}

// MarkGone makes an object answer Graph code 100 (it no longer exists).
func (s *Sim) MarkGone(objectID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone[objectID] = true
}

// Calls returns what was received so far.
func (s *Sim) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

// Deregistered reports whether the phone number was deregistered.
func (s *Sim) Deregistered(phoneNumberID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deregistered[phoneNumberID]
}

// Unsubscribed reports whether our app was unsubscribed from objectID.
func (s *Sim) Unsubscribed(objectID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.unsubscribed[objectID]
}

// ServeHTTP answers Graph calls, and POST /_sim/fail?count=N&code=C&http_status=S
// so a developer can make the next calls fail from curl.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/_sim/fail" && r.Method == http.MethodPost {
		q := r.URL.Query()
		n, _ := strconv.Atoi(q.Get("count"))
		code, _ := strconv.Atoi(q.Get("code"))
		st, _ := strconv.Atoi(q.Get("http_status"))
		if n <= 0 {
			n = 1
		}
		if st == 0 {
			st = http.StatusBadRequest
		}
		regain, _ := strconv.Atoi(q.Get("regain_minutes"))
		s.FailNext(n, Failure{HTTPStatus: st, Code: code, Message: q.Get("message"), RegainMinutes: regain})
		w.WriteHeader(http.StatusNoContent)
		return
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	unsubscribe := r.Method == http.MethodDelete && len(parts) == 3 && parts[2] == "subscribed_apps"
	deregister := r.Method == http.MethodPost && len(parts) == 3 && parts[2] == "deregister"
	readConfig := r.Method == http.MethodGet && len(parts) == 2 && r.URL.Query().Get("fields") == "webhook_configuration"
	readCredit := r.Method == http.MethodGet && len(parts) == 2 && strings.Contains(r.URL.Query().Get("fields"), "request_status")
	var setConfig struct {
		Config *struct {
			URI *string `json:"override_callback_uri"`
		} `json:"webhook_configuration"`
	}
	revoke := r.Method == http.MethodDelete && len(parts) == 2
	writeConfig := r.Method == http.MethodPost && len(parts) == 2 &&
		json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&setConfig) == nil && setConfig.Config != nil && setConfig.Config.URI != nil
	if !unsubscribe && !deregister && !readConfig && !writeConfig && !revoke && !readCredit {
		writeErr(w, Failure{HTTPStatus: http.StatusBadRequest, Code: 100, Message: "Unsupported request"})
		return
	}
	object := parts[1]
	bearer, hasToken := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	hasToken = hasToken && bearer != ""
	s.mu.Lock()
	if want, ok := s.tokens[object]; ok && !want[bearer] {
		hasToken = false
	}
	var f *Failure
	answer := []byte(`{"success":true}`)
	objectFailure, failsObject := s.failObject[object]
	switch {
	case len(s.failures) > 0:
		f = &s.failures[0]
		s.failures = s.failures[1:]
	case failsObject:
		f = &objectFailure
	case !hasToken:
		f = &Failure{HTTPStatus: http.StatusUnauthorized, Code: 190, Message: "Invalid OAuth access token."}
	case s.gone[object]:
		f = &Failure{HTTPStatus: http.StatusBadRequest, Code: 100, Subcode: 33,
			Message: fmt.Sprintf("Unsupported delete request. Object with ID '%s' does not exist", object)}
	case deregister && s.deregistered[object]:
		f = &Failure{HTTPStatus: http.StatusBadRequest, Code: 133010, Message: "(#133010) Account not registered"}
	case deregister:
		s.deregistered[object] = true
	case readConfig:
		config := map[string]string{"application": "https://app.example/webhooks/meta"}
		if uri := s.overrides[object]; uri != "" {
			config["phone_number"] = uri
		}
		answer, _ = json.Marshal(map[string]any{"webhook_configuration": config, "id": object})
	case writeConfig && *setConfig.Config.URI == "":
		delete(s.overrides, object)
	case writeConfig:
		s.overrides[object] = *setConfig.Config.URI
	case revoke || readCredit:
		f, answer = s.creditCall(revoke, object, bearer, answer)
	default:
		s.unsubscribed[object] = true
	}
	s.calls = append(s.calls, Call{Method: r.Method, Path: r.URL.Path, ObjectID: object, HasToken: hasToken, OK: f == nil})
	s.mu.Unlock()
	if f != nil {
		writeErr(w, *f)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(answer)
}

func writeErr(w http.ResponseWriter, f Failure) {
	w.Header().Set("Content-Type", "application/json")
	if f.RegainMinutes > 0 {
		w.Header().Set("X-Business-Use-Case-Usage", fmt.Sprintf(
			`{"sim-business":[{"type":"whatsapp_business_management","call_count":100,"total_cputime":28,"total_time":30,"estimated_time_to_regain_access":%d}]}`,
			f.RegainMinutes))
	}
	w.WriteHeader(f.HTTPStatus)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"message": f.Message, "type": "OAuthException", "code": f.Code, "error_subcode": f.Subcode, "fbtrace_id": "sim",
	}})
}
