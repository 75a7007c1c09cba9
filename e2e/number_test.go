package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/workflows"
)

// whatsapp creates a WhatsApp Business API channel on waba with its phone number.
func (s *stack) whatsapp(name, waba, phone string) string {
	return s.must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: name, Kind: "whatsapp_cloud",
		WABAID: waba, PhoneNumberID: phone, Token: "tok-" + name}))
}

// removeWith runs a removal of ch through the API, acknowledging with
// release_number as given, up to its end (one of want).
func (s *stack) removeWith(ch string, release bool, want ...string) resp {
	s.t.Helper()
	id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	ack := s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken,
		map[string]any{"acknowledged": true, "release_number": release}), 200, "")
	wantNumber := "not_requested"
	if release {
		wantNumber = "pending"
	}
	if got := number(ack); got["status"] != wantNumber {
		s.t.Fatalf("acknowledged: number %v, want %s", got, wantNumber)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	return s.until(id, want...)
}

func number(r resp) map[string]any {
	mu, _ := r.Body["meta_unlink"].(map[string]any)
	n, _ := mu["number"].(map[string]any)
	return n
}

func (s *stack) graphCalls(method, object string) int {
	n := 0
	for _, c := range s.graph.Calls() {
		if c.Method == method && c.ObjectID == object {
			n++
		}
	}
	return n
}

func (s *stack) auditActions(id string) string {
	return s.want(s.do("GET", "/v1/removals/"+id+"/audit", s.adminToken, nil), 200, "").Raw
}

// TestReleaseTheNumberOnlyWhenAsked: with the option, the unlink step
// unsubscribes from the WABA and deregisters the number; without it, nothing
// is deregistered (SPEC §1.6: never implicitly).
func TestReleaseTheNumberOnlyWhenAsked(t *testing.T) {
	s := newStack(t)
	s.start(true)
	asked := s.whatsapp("Zap Liberar", "WABA-REL-"+s.account[:8], "PN-REL-"+s.account[:8])
	r := s.removeWith(asked, true, "completed")
	if n := number(r); n["status"] != "released" {
		t.Fatalf("number %v: %s", n, r.Raw)
	}
	if s.graphCalls("POST", "PN-REL-"+s.account[:8]) != 1 || !s.graph.Deregistered("PN-REL-"+s.account[:8]) || !s.graph.Unsubscribed("WABA-REL-"+s.account[:8]) {
		t.Fatalf("Graph calls: %+v", s.graph.Calls())
	}
	if notes := strings.Join(toStrings(r.Body["notes"]), " "); !strings.Contains(notes, "número liberado na Meta") {
		t.Errorf("notes: %s", notes)
	}
	trail := s.auditActions(r.str("id"))
	for _, action := range []string{"number_release_requested", "number_released", "meta_unlinked", "removal_completed"} {
		if !strings.Contains(trail, `"action":"`+action+`"`) {
			t.Errorf("audit lacks %s: %s", action, trail)
		}
	}

	kept := s.whatsapp("Zap Manter", "WABA-KEEP-"+s.account[:8], "PN-KEEP-"+s.account[:8])
	r = s.removeWith(kept, false, "completed")
	if n := number(r); n["status"] != "not_requested" {
		t.Fatalf("number %v", n)
	}
	if s.graphCalls("POST", "PN-KEEP-"+s.account[:8]) != 0 || !s.graph.Unsubscribed("WABA-KEEP-"+s.account[:8]) {
		t.Fatalf("Graph calls: %+v", s.graph.Calls())
	}
	if strings.Contains(s.auditActions(r.str("id")), "number_release") {
		t.Fatal("a release nobody asked for is in the audit trail")
	}
}

// TestReleaseTheNumberWhileASiblingKeepsTheWABA: the WABA stays subscribed
// for the other channel, but this channel's number is deregistered.
func TestReleaseTheNumberWhileASiblingKeepsTheWABA(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba := "WABA-SIB-" + s.account[:8]
	ch := s.whatsapp("Zap Um", waba, "PN-SIB1-"+s.account[:8])
	s.whatsapp("Zap Dois", waba, "PN-SIB2-"+s.account[:8])
	r := s.removeWith(ch, true, "completed")
	mu := r.Body["meta_unlink"].(map[string]any)
	if mu["status"] != "skipped" || number(r)["status"] != "released" {
		t.Fatalf("meta_unlink %v", mu)
	}
	if s.graphCalls("DELETE", waba) != 0 || !s.graph.Deregistered("PN-SIB1-"+s.account[:8]) || s.graph.Deregistered("PN-SIB2-"+s.account[:8]) {
		t.Fatalf("Graph calls: %+v", s.graph.Calls())
	}
}

// TestReleaseTheNumberPastMetasLimit: code 133016 ends the step as a warning
// that says from when to retry; retry-unlink then releases it. A number
// Meta says is not registered any more (133010) counts as released.
func TestReleaseTheNumberPastMetasLimit(t *testing.T) {
	s := newStack(t)
	s.start(true)
	pn := "PN-LIM-" + s.account[:8]
	s.graph.FailObject(pn, graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 133016,
		Message: "(#133016) Account register deregister rate limit exceeded"})
	ch := s.whatsapp("Zap Limite", "WABA-LIM-"+s.account[:8], pn)
	r := s.removeWith(ch, true, "completed_with_warnings")
	n := number(r)
	if n["status"] != "failed" || !strings.Contains(n["last_error"].(string), "133016") || !strings.Contains(n["last_error"].(string), "a partir de") {
		t.Fatalf("number %v", n)
	}
	if mu := r.Body["meta_unlink"].(map[string]any); mu["status"] != "unlinked" {
		t.Fatalf("the WABA's unsubscribe was done; meta_unlink %v", mu)
	}
	if s.graphCalls("POST", pn) != 1 {
		t.Fatalf("133016 was retried automatically: %+v", s.graph.Calls())
	}
	id := r.str("id")
	s.graph.ClearFailures()
	s.graph.FailObject(pn, graphsim.Failure{HTTPStatus: http.StatusBadRequest, Code: 133010, Message: "(#133010) Account not registered"})
	if err := s.tc.SignalWorkflow(t.Context(), id, "", workflows.SignalRetryUnlink, workflows.ActorRequest{}); err != nil {
		t.Fatal(err)
	}
	r = s.until(id, "completed")
	if n := number(r); n["status"] != "released" {
		t.Fatalf("after retry-unlink: number %v", n)
	}
	if s.graphCalls("DELETE", "WABA-LIM-"+s.account[:8]) != 1 {
		t.Fatalf("the settled unsubscribe was called again: %+v", s.graph.Calls())
	}
}

// TestReleaseTheNumberOnlyForWhatsApp: a Messenger page has no number.
func TestReleaseTheNumberOnlyForWhatsApp(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "PNUM-"+s.account[:8])
	id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	if n := number(s.do("GET", "/v1/removals/"+id, s.adminToken, nil)); n != nil {
		t.Fatalf("a Messenger removal offers a number: %v", n)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true, "release_number": true}), 400, "invalid_request")
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestAWABAOnOurCreditLineHasItRevokedWithTheUnlink: a WhatsApp channel whose
// WABA shares our credit line is removed; the unlink revokes the credit line
// (Meta's allocation config deleted), the removal completes and says so.
func TestAWABAOnOurCreditLineHasItRevokedWithTheUnlink(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba, alloc := "WABA-CRED-"+s.account[:8], "ALLOC-"+s.account[:8]
	s.graph.ShareCreditLine(alloc, waba)
	ch := s.must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: "Zap Crédito", Kind: "whatsapp_cloud",
		WABAID: waba, PhoneNumberID: "PN-CRED-" + s.account[:8], Token: "tok-cred", CreditAllocation: alloc}))
	r := s.removeWith(ch, false, "completed")
	if s.graph.CreditLineShared(waba) {
		t.Fatalf("the WABA still shares our credit line after its removal: %s", r.Raw)
	}
	if !strings.Contains(r.Raw, `"credit_line"`) {
		t.Fatalf("the removal does not say what became of the credit line: %s", r.Raw)
	}
	s.captureHistory(r.str("id"), "credit_line_revoked.json")
}
