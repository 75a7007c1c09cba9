package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/workflows"
)

// coexistence creates a WhatsApp channel whose number is shared with the
// WhatsApp Business app.
func (s *stack) coexistence(name, waba, phone string) string {
	return s.must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: name, Kind: "whatsapp_cloud",
		WABAID: waba, PhoneNumberID: phone, Token: "tok-" + name, Coexistence: true}))
}

// TestCoexistenceNumberIsNeverDeregistered (SPEC §8): the channel says
// coexistence, its removal offers no number release and refuses
// release_number with a 400 that says why, and its unlink unsubscribes the
// app without ever calling …/deregister.
func TestCoexistenceNumberIsNeverDeregistered(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba, phone := "WABA-COEX-"+s.account[:8], "PN-COEX-"+s.account[:8]
	ch := s.coexistence("Zap Coexistência", waba, phone)
	page := s.want(s.do("GET", "/v1/channels/"+ch, s.adminToken, nil), 200, "")
	if page.Body["coexistence"] != true {
		t.Fatalf("channel page: %s", page.Raw)
	}
	started := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "")
	id := started.str("id")
	if im, _ := started.Body["impact"].(map[string]any); im["coexistence"] != true || number(started) != nil {
		t.Fatalf("started: %s", started.Raw)
	}
	refused := s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken,
		map[string]any{"acknowledged": true, "release_number": true}), 400, "invalid_request")
	if !strings.Contains(refused.str("detail"), "coexistência") {
		t.Fatalf("refusal: %s", refused.Raw)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	r := s.until(id, "completed")
	if s.graphCalls("POST", phone) != 0 || s.graph.Deregistered(phone) || !s.graph.Unsubscribed(waba) {
		t.Fatalf("Graph calls: %+v", s.graph.Calls())
	}
	if strings.Contains(s.auditActions(id), "number_release") {
		t.Fatalf("a number release was recorded: %s", s.auditActions(id))
	}
	if number(r) != nil {
		t.Fatalf("the outcome shows a number to release: %s", r.Raw)
	}
}

// TestMetasBackOffSetsTheNextAttempt: a Graph answer whose usage header says
// how long until calls work again (estimated_time_to_regain_access) sets the
// delay before the next attempt, as its timer in history shows, and the
// removal says so.
func TestMetasBackOffSetsTheNextAttempt(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba := "WABA-WAIT-" + s.account[:8]
	ch := s.whatsapp("Zap Espera", waba, "PN-WAIT-"+s.account[:8])
	s.graph.FailNext(1, graphsim.Failure{HTTPStatus: 400, Code: 80008, Message: "(#80008) There have been too many calls to this WhatsApp Business account.",
		RegainMinutes: 7})
	id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	var wait time.Duration
	s.eventually(func() bool { // the failed attempt, then its wait, in history
		failed := false
		for _, ev := range s.history(id).Events {
			if a := ev.GetActivityTaskCompletedEventAttributes(); a != nil {
				failed = true
			}
			if tm := ev.GetTimerStartedEventAttributes(); tm != nil && failed {
				wait = tm.GetStartToFireTimeout().AsDuration()
			}
		}
		return wait > 0
	})
	if wait != 7*time.Minute {
		t.Fatalf("the next attempt waits %v, want Meta's 7 min", wait)
	}
	r := s.until(id, "unlinking")
	mu, _ := r.Body["meta_unlink"].(map[string]any)
	if le, _ := mu["last_error"].(string); !strings.Contains(le, "80008") || !strings.Contains(le, "aguardar 7 min") {
		t.Fatalf("last_error %q", le)
	}
	var doc domain.Removal
	s.eventually(func() bool { // the step the workflow shows (query, Temporal Web)
		v, err := s.tc.QueryWorkflow(context.Background(), id, "", workflows.QueryStatus)
		return err == nil && v.Get(&doc) == nil && strings.Contains(doc.Step, "nova tentativa na Meta em")
	})
	if len(s.graph.Calls()) != 1 {
		t.Fatalf("Meta called again before its wait: %+v", s.graph.Calls())
	}
}

// overridden creates a WhatsApp channel whose number (and, with waba, WABA)
// carries a callback override our app set, and sets the number's in Meta.
func (s *stack) overridden(name, waba, phone, ours, inMeta string, wabaOverride bool) string {
	spec := seed.ChannelSpec{AccountID: s.account, Name: name, Kind: "whatsapp_cloud", WABAID: waba, PhoneNumberID: phone,
		Token: "tok-" + name, NumberOverride: ours}
	if wabaOverride {
		spec.WABAOverride = ours + "/waba"
	}
	s.graph.SetOverride(phone, inMeta)
	return s.must(s.b.Channel(spec))
}

func override(r resp) map[string]any {
	mu, _ := r.Body["meta_unlink"].(map[string]any)
	o, _ := mu["override"].(map[string]any)
	return o
}

// TestOurOverrideIsClearedAnotherAppsIsLeftAlone (SPEC §8): the removal reads
// the number's webhook configuration and clears the override only when it is
// the one our app set; another app's stays, and the outcome says which.
func TestOurOverrideIsClearedAnotherAppsIsLeftAlone(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ours := "https://crm.example/webhooks/meta/" + s.account[:8]
	t.Run("ours", func(t *testing.T) {
		phone := "PN-OVR-" + s.account[:8]
		ch := s.overridden("Zap Redirecionado", "WABA-OVR-"+s.account[:8], phone, ours, ours, false)
		r := s.removeWith(ch, false, "completed")
		if s.graph.Override(phone) != "" || override(r)["status"] != "cleared" {
			t.Fatalf("override in Meta %q, document %v", s.graph.Override(phone), override(r))
		}
		if trail := s.auditActions(r.str("id")); !strings.Contains(trail, `"action":"webhook_override_cleared"`) {
			t.Fatalf("trail %s", trail)
		}
	})
	t.Run("another app's", func(t *testing.T) {
		phone, theirs := "PN-OTHER-"+s.account[:8], "https://other-app.example/hook"
		ch := s.overridden("Zap de Outro App", "WABA-OTHER-"+s.account[:8], phone, ours, theirs, false)
		r := s.removeWith(ch, false, "completed")
		if s.graph.Override(phone) != theirs || override(r)["status"] != "not_ours" {
			t.Fatalf("override in Meta %q, document %v", s.graph.Override(phone), override(r))
		}
		for _, c := range s.graph.Calls() {
			if c.ObjectID == phone && c.Method == "POST" {
				t.Fatalf("another app's override was written: %+v", c)
			}
		}
		if notes := strings.Join(toStrings(r.Body["notes"]), " "); !strings.Contains(notes, "outro aplicativo") {
			t.Fatalf("notes: %s", notes)
		}
	})
}

// TestASiblingKeepsTheWABAsOverride: our override on a WABA goes with our
// subscription; while another live channel uses the WABA, both stay.
func TestASiblingKeepsTheWABAsOverride(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba := "WABA-SIB-" + s.account[:8]
	s.whatsapp("Zap Irmão", waba, "PN-SIB-A-"+s.account[:8])
	ours := "https://crm.example/webhooks/meta/" + s.account[:8]
	ch := s.overridden("Zap Sai", waba, "PN-SIB-B-"+s.account[:8], ours, ours, true)
	r := s.removeWith(ch, false, "completed")
	mu, _ := r.Body["meta_unlink"].(map[string]any)
	if mu["status"] != "skipped" || mu["waba_override"] != "kept" || s.graph.Unsubscribed(waba) || override(r)["status"] != "cleared" {
		t.Fatalf("meta_unlink %v, WABA unsubscribed %v", mu, s.graph.Unsubscribed(waba))
	}
}

// With no Meta unlink owed (an e-mail channel), the verification's answer is
// the outcome: the web app shows "Canal removido" without reading it again.
func TestRemovalWithNothingOwedIsAnsweredCompleted(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("email", "", "")
	id := s.acknowledged(ch)
	r := s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	unlink, _ := r.Body["meta_unlink"].(map[string]any)
	if r.str("status") != "completed" || unlink["status"] != "not_needed" || r.Body["completed_at"] == nil {
		t.Fatalf("verify answered %s", r.Raw)
	}
	if g := s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 200, ""); g.str("status") != "completed" {
		t.Fatalf("read model: %s", g.Raw)
	}
	s.captureHistory(id, "nothing_owed_answered_completed.json")
}
