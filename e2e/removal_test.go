package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

func TestWholeRemovalThroughHTTP(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("whatsapp_cloud", "WABA-"+s.account[:8], "")
	conv := s.must(s.b.Conversation("", s.account, ch, s.contact, "closed"))
	s.must(s.b.Reference("", s.account, "automation", "Boas-vindas", ch))
	id := workflows.WorkflowID(ch)

	s.want(s.do("GET", "/healthz", "", nil), 200, "")
	s.want(s.do("GET", "/readyz", "", nil), 200, "")
	list := s.want(s.do("GET", "/v1/channels", s.adminToken, nil), 200, "")
	if chs := list.Body["channels"].([]any); len(chs) != 1 || chs[0].(map[string]any)["official"] != true {
		t.Fatalf("channels: %s", list.Raw)
	}

	s.noPlaintextTokens()
	r := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "")
	im := r.Body["impact"].(map[string]any)
	if r.str("id") != id || r.str("status") != "awaiting_acknowledgement" || im["official_integration"] != true ||
		im["conversations"].(float64) != 1 || r.Header.Get("Location") != "/v1/removals/"+id {
		t.Fatalf("start: %s", r.Raw)
	}
	if dup := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 409, "removal_in_progress"); dup.str("id") != id {
		t.Fatalf("removal_in_progress must name the running removal: %s", dup.Raw)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": "123456"}), 409, "invalid_state")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": false}), 400, "invalid_request")

	r = s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
	if r.str("status") != "awaiting_code" || r.Body["code_expires_at"] == nil || r.Body["attempts_left"].(float64) != 5 {
		t.Fatalf("ack: %s", r.Raw)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 409, "invalid_state")
	mails := s.sg.Sent()
	if len(mails) != 1 || mails[0].To != "dono@loja.test" {
		t.Fatalf("mail to the account administrator: %+v", mails)
	}
	code := s.lastCode()
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	rs := s.want(s.do("POST", "/v1/removals/"+id+"/resend-code", s.adminToken, nil), 429, "resend_too_soon")
	if ra := rs.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Fatalf("Retry-After: %q", ra)
	}
	bad := s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": wrong}), 422, "invalid_code")
	if bad.Body["attempts_left"].(float64) != 4 {
		t.Fatalf("attempts_left: %s", bad.Raw)
	}
	r = s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": code}), 200, "")
	if st := r.str("status"); st != "removing" && st != "unlinking" && st != "completed" {
		t.Fatalf("verify: %s", r.Raw)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/cancel", s.adminToken, nil), 409, "invalid_state")
	// The progress screen's waiting read answers once the status moves on.
	for st := r.str("status"); st != "completed"; {
		w := s.want(s.do("GET", "/v1/removals/"+id+"?status="+st+"&wait=20", s.adminToken, nil), 200, "")
		if w.str("status") == st {
			t.Fatalf("a waiting read answered before its status %s moved on: %s", st, w.Raw)
		}
		st = w.str("status")
	}
	done := s.until(id, "completed")
	if done.Body["completed_at"] == nil || done.Body["meta_unlink"].(map[string]any)["status"] != "unlinked" ||
		!strings.Contains(fmt.Sprint(done.Body["notes"]), "Meta Business") {
		t.Fatalf("completed: %s", done.Raw)
	}
	if !s.graph.Unsubscribed("WABA-" + s.account[:8]) {
		t.Fatal("app still subscribed to the WABA")
	}
	s.noPlaintextTokens()

	convs := s.want(s.do("GET", "/v1/channels/"+ch+"/conversations", s.adminToken, nil), 200, "")
	if c := convs.Body["conversations"].([]any)[0].(map[string]any); c["channel_removed"] != true || c["id"] != conv {
		t.Fatalf("conversations: %s", convs.Raw)
	}
	msg := s.want(s.do("POST", "/v1/conversations/"+conv+"/messages", s.adminToken, map[string]any{"text": "Olá"}), 409, "channel_removed")
	if msg.str("detail") != domain.MsgChannelRemovedSend {
		t.Fatalf("message on removed channel: %s", msg.Raw)
	}
	s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 409, "channel_removed")
	if chs := s.do("GET", "/v1/channels", s.adminToken, nil); !strings.Contains(chs.Raw, `"status":"removed"`) {
		t.Fatalf("channel list: %s", chs.Raw)
	}

	// Ops can find it in Temporal Web by its search attributes.
	s.eventually(func() bool {
		res, err := s.tc.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("ChannelId = '%s' AND AccountId = '%s' AND RemovalStatus = 'completed'", ch, s.account)})
		return err == nil && len(res.Executions) == 1
	})
	s.closed(id) // the admins' notice follows removal_completed
	s.captureHistory(workflows.NoticeID(domain.NoticeAdmins, s.runOf(id)), "admins_notice.json")
	trail, _ := s.store.AuditTrail(context.Background(), id)
	var actions []string
	for _, a := range trail {
		actions = append(actions, a.Action)
		if a.ActorIP == nil || *a.ActorIP == "" {
			t.Errorf("audit %s without IP", a.Action)
		}
	}
	if strings.Join(actions, ",") != "preflight_passed,acknowledged,code_sent,code_rejected,code_verified,channel_removed,meta_unlinked,removal_completed,admin_notified" {
		t.Fatalf("audit trail: %v", actions)
	}
	s.assertNoCodeInHistory(id, code)
	// Temporal Web labels each human wait in pt-BR, not "AwaitWithTimeout".
	if got := fmt.Sprint(s.timerSummaries(id)); got != "[aguardando confirmação (15 min) aguardando código (10 min) aguardando código (10 min)]" {
		t.Fatalf("timer summaries: %s", got)
	}
	s.captureHistory(id, "happy_path_wrong_code.json")
}

func TestAuthAndAccountBoundaries(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "P-"+s.account[:8])
	other := newStack(t)
	other.start(false)
	otherCh := other.channel("email", "", "")

	s.want(s.do("GET", "/v1/channels", "", nil), 401, "unauthorized")
	forged := s.adminToken[:len(s.adminToken)-4] + "AAAA"
	s.want(s.do("GET", "/v1/channels", forged, nil), 401, "unauthorized")
	s.want(s.do("GET", "/v1/channels", s.token(s.admin, -time.Hour), nil), 401, "unauthorized")
	s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.agentToken, nil), 403, "forbidden")
	s.want(s.do("POST", "/v1/channels/"+otherCh+"/removals", s.adminToken, nil), 404, "not_found")
	s.want(s.do("GET", "/v1/channels/"+otherCh+"/conversations", s.adminToken, nil), 404, "not_found")
	s.want(s.do("GET", "/v1/removals/"+workflows.WorkflowID(otherCh), s.adminToken, nil), 404, "not_found")
	s.want(s.do("GET", "/v1/removals/"+workflows.WorkflowID(ch), s.adminToken, nil), 404, "not_found")
	s.want(s.do("GET", "/v1/removals/not-a-removal", s.adminToken, nil), 404, "not_found")
	s.want(s.do("GET", "/v1/channels/not-a-uuid/conversations", s.adminToken, nil), 404, "not_found")
	s.want(s.do("GET", "/v1/nope", s.adminToken, nil), 404, "not_found")

	// Strict bodies.
	s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, `{"force":true}`), 400, "invalid_request")
	s.want(s.do("POST", "/v1/removals/"+workflows.WorkflowID(ch)+"/acknowledge", s.adminToken, `{"acknowledged":"yes"}`), 400, "invalid_request")
	s.want(s.do("POST", "/v1/removals/"+workflows.WorkflowID(ch)+"/verify", s.adminToken, `{"code":"1234567","extra":1}`), 400, "invalid_request")
	big := `{"text":"` + strings.Repeat("a", 70<<10) + `"}`
	s.want(s.do("POST", "/v1/conversations/00000000-0000-4000-8000-000000000000/messages", s.adminToken, big), 413, "payload_too_large")

	// The agent may read but not act.
	r := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "")
	id := r.str("id")
	s.want(s.do("GET", "/v1/removals/"+id, s.agentToken, nil), 200, "")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.agentToken, map[string]any{"acknowledged": true}), 403, "forbidden")
	c := s.want(s.do("POST", "/v1/removals/"+id+"/cancel", s.adminToken, nil), 200, "")
	if c.str("status") != "cancelled" {
		t.Fatalf("cancel: %s", c.Raw)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/cancel", s.adminToken, nil), 409, "invalid_state")
	s.wantHistory(id, "cancelled", true)
	s.captureHistory(id, "cancelled_by_admin.json")
	// After a cancelled run a new one may start under the same id.
	r = s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "")
	if r.str("id") != id || r.str("run_id") == c.str("run_id") {
		t.Fatalf("new run: %s", r.Raw)
	}
	s.want(s.do("GET", "/v1/channels", s.agentToken, nil), 200, "")
}

func TestPreflightAndAttendanceRejections(t *testing.T) {
	s := newStack(t)
	s.start(true)
	busy := s.channel("whatsapp_cloud", "WB-"+s.account[:8], "")
	s.must(s.b.Conversation("", s.account, busy, s.contact, "pending"))
	r := s.want(s.do("POST", "/v1/channels/"+busy+"/removals", s.adminToken, nil), 422, "active_attendances")
	if list := r.Body["active_attendances"].([]any); len(list) != 1 || list[0].(map[string]any)["contact"] != "Maria" {
		t.Fatalf("active attendances listed: %s", r.Raw)
	}
	if g := s.want(s.do("GET", "/v1/removals/"+workflows.WorkflowID(busy), s.adminToken, nil), 200, ""); g.str("status") != "rejected" {
		t.Fatalf("rejected run: %s", g.Raw)
	}
	s.wantHistory(workflows.WorkflowID(busy), "rejected", true)
	s.captureHistory(workflows.WorkflowID(busy), "rejected_by_preflight.json")

	// An attendance opened between preflight and delete: rejected, nothing changed.
	ch := s.channel("messenger", "", "PX-"+s.account[:8])
	id := s.acknowledged(ch)
	s.must(s.b.Conversation("", s.account, ch, s.contact, "open"))
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	r = s.until(id, "rejected")
	if !strings.Contains(r.Raw, "active_attendances") {
		t.Fatalf("%s", r.Raw)
	}
	if c, _ := s.store.Channel(context.Background(), ch); c.Status != "active" {
		t.Fatal("channel changed")
	}
	s.wantHistory(id, "rejected", true)
	s.captureHistory(id, "rejected_at_the_tombstone.json")
}

func TestLockedAndExpiredCodes(t *testing.T) {
	s := newStack(t)
	s.policy.CodeTTL = 3 * time.Second
	s.start(true)

	ch := s.channel("email", "", "")
	id := s.acknowledged(ch)
	wrong := "000000"
	if s.lastCode() == wrong {
		wrong = "111111"
	}
	for i := 4; i >= 1; i-- {
		r := s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": wrong}), 422, "invalid_code")
		if r.Body["attempts_left"].(float64) != float64(i) {
			t.Fatalf("attempts_left: %s", r.Raw)
		}
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": wrong}), 423, "locked")
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 423, "locked")
	if g := s.until(id, "locked"); g.Body["attempts_left"].(float64) != 0 {
		t.Fatalf("%s", g.Raw)
	}
	s.wantHistory(id, "locked", true)
	s.captureHistory(id, "locked.json")

	ch2 := s.channel("webchat", "", "")
	id2 := s.want(s.do("POST", "/v1/channels/"+ch2+"/removals", s.adminToken, nil), 201, "").str("id")
	s.want(s.do("POST", "/v1/removals/"+id2+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
	s.until(id2, "expired")
	s.wantHistory(id2, "expired", true)
	s.captureHistory(id2, "code_expired.json")
	s.want(s.do("POST", "/v1/removals/"+id2+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 410, "code_expired")
	s.want(s.do("POST", "/v1/removals/"+id2+"/resend-code", s.adminToken, nil), 409, "invalid_state")
	if c, _ := s.store.Channel(context.Background(), ch2); c.Status != "active" {
		t.Fatal("expired removal changed the channel")
	}
}

func TestResendCodeOverHTTP(t *testing.T) {
	s := newStack(t)
	s.policy.ResendInterval = 5 * time.Second
	s.start(true)
	ch := s.channel("instagram", "", "IG-"+s.account[:8])
	id := s.acknowledged(ch)
	old := s.lastCode()
	r := s.want(s.do("POST", "/v1/removals/"+id+"/resend-code", s.adminToken, nil), 429, "resend_too_soon")
	if ra := retryAfter(r); ra < 1 || ra > 5 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	// Each refusal says how long to wait; the resend goes once it has passed.
	for r.Status == 429 {
		s.want(r, 429, "resend_too_soon")
		time.Sleep(time.Duration(retryAfter(r)) * time.Second)
		r = s.do("POST", "/v1/removals/"+id+"/resend-code", s.adminToken, nil)
	}
	s.want(r, 202, "")
	fresh := s.lastCode()
	if len(s.codeMails()) != 2 {
		t.Fatalf("mails: %d", len(s.codeMails()))
	}
	if old != fresh {
		s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": old}), 422, "invalid_code")
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": fresh}), 200, "")
	s.until(id, "completed")
}

// TestACodeMailRefusedForGoodFailsTheRemoval: SendGrid refuses the code
// e-mail for a reason no retry mends (HTTP 400): the removal ends failed and
// says why, the channel untouched, and a new removal may start.
func TestACodeMailRefusedForGoodFailsTheRemoval(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("webchat", "", "")
	id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	s.sg.SetStatuses(http.StatusBadRequest)
	if r := s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, ""); r.str("status") != "failed" {
		t.Fatalf("acknowledge: %s", r.Raw)
	}
	if g := s.until(id, "failed"); !strings.Contains(g.str("step"), "SendGrid recusou o e-mail (HTTP 400)") {
		t.Fatalf("the failure does not say why: %s", g.Raw)
	}
	if c, _ := s.store.Channel(context.Background(), ch); c.Status != "active" {
		t.Fatal("a failed removal changed the channel")
	}
	s.captureHistory(id, "code_mail_refused_failed.json")
	s.sg.SetStatuses(http.StatusAccepted)
	s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "")
}
