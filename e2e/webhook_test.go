package e2e

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/workflows"
)

// accountUpdate is an account_update delivery as Meta sends it: a partner
// event names the customer's WABA in waba_info.
func accountUpdate(event, waba string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"PARTNER-BIZ","time":%d,"changes":[`+
		`{"field":"account_update","value":{"event":%q,"waba_info":{"waba_id":%q,"owner_business_id":"CUST-BIZ"}}}]}]}`,
		time.Now().Unix(), event, waba)
}

func sign(body string) string {
	m := hmac.New(sha256.New, []byte(metaAppSecret))
	m.Write([]byte(body))
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// deliver posts a webhook delivery with the given X-Hub-Signature-256 ("": none).
func (s *stack) deliver(body, signature string) resp {
	s.t.Helper()
	req, _ := http.NewRequest("POST", s.http.URL+"/webhooks/meta", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	return s.send(req)
}

func (s *stack) channelStatus(id string) string {
	s.t.Helper()
	ch, err := s.store.Channel(context.Background(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return ch.Status
}

// disconnectionNotices are the e-mails about channels Meta cut off, by recipient.
func (s *stack) disconnectionNotices() map[string][]string {
	n := map[string][]string{}
	for _, m := range s.sg.Sent() {
		if strings.HasPrefix(m.Subject, "Aviso: ") && strings.Contains(m.Subject, "desconectado") {
			n[m.To] = append(n[m.To], m.Text)
		}
	}
	return n
}

// TestMetaWebhookHandshake: Meta's verification GET gets its challenge back
// only with our token.
func TestMetaWebhookHandshake(t *testing.T) {
	s := newStack(t)
	s.start(false)
	ok := s.do("GET", "/webhooks/meta?hub.mode=subscribe&hub.verify_token=e2e-verify-token&hub.challenge=1158201444", "", nil)
	if ok.Status != 200 || ok.Raw != "1158201444" {
		t.Fatalf("handshake: %d %q", ok.Status, ok.Raw)
	}
	for _, q := range []string{"hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", "hub.verify_token=e2e-verify-token&hub.challenge=1",
		"hub.mode=subscribe&hub.challenge=1"} {
		s.want(s.do("GET", "/webhooks/meta?"+q, "", nil), 403, "forbidden")
	}
}

// TestMetaCutsAWABAOff: a signed PARTNER_REMOVED delivery disconnects every
// live channel on that WABA (not others), shows them as disconnected, refuses
// their sends, and e-mails every admin once; Meta's repeat of it changes
// nothing; unsigned, badly signed and oversized bodies change nothing either.
func TestMetaCutsAWABAOff(t *testing.T) {
	s := newStack(t)
	s.start(true)
	second := "segunda-" + s.account[:8] + "@loja.test"
	s.must(s.b.User("", s.account, second, "Segunda Admin", "admin"))
	waba := "WCUT-" + s.account[:8]
	a, b := s.channel("whatsapp_cloud", waba, ""), s.channel("whatsapp_cloud", waba, "")
	other := s.channel("whatsapp_cloud", "WKEEP-"+s.account[:8], "")
	conv := s.must(s.b.Conversation("", s.account, a, s.contact, "closed"))

	// Nothing without a valid signature.
	body := accountUpdate("PARTNER_REMOVED", waba)
	s.want(s.deliver(body, ""), 401, "")
	s.want(s.deliver(body, "sha256="+strings.Repeat("0", 64)), 401, "")
	s.want(s.deliver(body, sign(body+" ")), 401, "")
	s.want(s.deliver(body, strings.TrimPrefix(sign(body), "sha256=")), 401, "")
	s.want(s.deliver(strings.Repeat(" ", 70<<10)+body, sign(strings.Repeat(" ", 70<<10)+body)), 413, "payload_too_large")
	time.Sleep(time.Second)
	if s.channelStatus(a) != "active" || len(s.sg.Sent()) != 0 {
		t.Fatalf("an unsigned delivery changed something: %s, %d mails", s.channelStatus(a), len(s.sg.Sent()))
	}

	start := time.Now()
	r := s.deliver(body, sign(body))
	if r.Status != 200 {
		t.Fatalf("signed delivery: %d %s", r.Status, r.Raw)
	}
	t.Logf("signed delivery answered in %s", time.Since(start).Round(time.Millisecond))
	s.eventually(func() bool { return len(s.disconnectionNotices()) == 2 })
	s.captureHistory(workflows.MetaDeliveryID(deliveryID(body)), "meta_access_lost.json")
	for _, ch := range []string{a, b} {
		if st := s.channelStatus(ch); st != "disconnected" {
			t.Fatalf("channel on the cut WABA: %s", st)
		}
	}
	if st := s.channelStatus(other); st != "active" {
		t.Fatalf("channel on another WABA: %s", st)
	}
	list := s.want(s.do("GET", "/v1/channels", s.adminToken, nil), 200, "")
	if !strings.Contains(list.Raw, `"id":"`+a+`","name":"Canal whatsapp_cloud`+waba+`","kind":"whatsapp_cloud","official":true,"status":"disconnected"`) {
		t.Fatalf("channel list: %s", list.Raw)
	}
	refused := s.want(s.do("POST", "/v1/conversations/"+conv+"/messages", s.adminToken, map[string]any{"text": "olá"}), 409, "channel_disconnected")
	if refused.str("detail") != domain.MsgChannelDisconnectedSend {
		t.Fatalf("refusal: %s", refused.Raw)
	}
	notices := s.disconnectionNotices()
	for _, to := range []string{s.adminEmail(), second} {
		if len(notices[to]) != 1 {
			t.Fatalf("notices to %s: %d (%v)", to, len(notices[to]), notices)
		}
		text := notices[to][0]
		for _, want := range []string{"https://crm.loja.test/#/canais/" + a, "https://crm.loja.test/#/canais/" + b,
			"deixou de ser compartilhada", "PARTNER_REMOVED", "horário de Brasília"} {
			if !strings.Contains(text, want) {
				t.Errorf("notice to %s lacks %q:\n%s", to, want, text)
			}
		}
	}
	if len(notices["dono@loja.test"]) != 0 {
		t.Fatal("the account administrator who is not an admin user was e-mailed")
	}

	// Meta repeats the delivery (and a second event on the same WABA comes):
	// nothing changes, nobody is e-mailed again.
	s.want(s.deliver(body, sign(body)), 200, "")
	deleted := accountUpdate("ACCOUNT_DELETED", waba)
	s.want(s.deliver(deleted, sign(deleted)), 200, "")
	s.closed(workflows.MetaDeliveryID(deliveryID(deleted)))
	time.Sleep(time.Second)
	var deliveries, disconnections int
	s.store.DB().Get(&deliveries, `SELECT count(*) FROM meta_webhook_deliveries`)
	s.store.DB().Get(&disconnections, `SELECT count(*) FROM channel_disconnections`)
	if deliveries != 2 || disconnections != 2 || len(s.sg.Sent()) != 2 {
		t.Fatalf("after the repeat: %d deliveries, %d disconnections, %d mails", deliveries, disconnections, len(s.sg.Sent()))
	}
	var event string
	s.store.DB().Get(&event, `SELECT event FROM channel_disconnections WHERE channel_id = $1`, a)
	if event != "PARTNER_REMOVED" {
		t.Fatalf("the disconnection's record: %q", event)
	}
}

// TestRemovingADisconnectedChannelOwesMetaNothing: the removal of a channel
// Meta cut off makes no Graph call and ends completed, without warnings; the
// number's release is not offered.
func TestRemovingADisconnectedChannelOwesMetaNothing(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba := "WGONE-" + s.account[:8]
	ch := s.channel("whatsapp_cloud", waba, "")
	body := accountUpdate("PARTNER_APP_UNINSTALLED", waba)
	s.want(s.deliver(body, sign(body)), 200, "")
	s.eventually(func() bool { return s.channelStatus(ch) == "disconnected" })

	page := s.want(s.do("GET", "/v1/channels/"+ch, s.adminToken, nil), 200, "")
	if im, _ := page.Body["impact"].(map[string]any); im == nil || im["disconnected"] != true {
		t.Fatalf("channel page: %s", page.Raw)
	}
	start := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "")
	id := start.str("id")
	if n := start.Body["meta_unlink"].(map[string]any)["number"]; n != nil {
		t.Fatalf("the number's release offered for a disconnected channel: %v", n)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true, "release_number": true}), 400, "invalid_request")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true}), 200, "")
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	done := s.until(id, "completed")
	mu := done.Body["meta_unlink"].(map[string]any)
	if mu["status"] != string(domain.UnlinkByMeta) || !strings.Contains(done.Raw, domain.NoteMetaAccessLost) {
		t.Fatalf("removal: %s", done.Raw)
	}
	if calls := s.graph.Calls(); len(calls) != 0 {
		t.Fatalf("Graph calls for a disconnected channel: %+v", calls)
	}
	if s.channelStatus(ch) != "removed" {
		t.Fatal("not removed")
	}
	// The read model says the same once the run is over.
	s.closed(id)
	rm, _ := s.store.LatestRemoval(context.Background(), id)
	if doc := rm.Document(); doc.MetaUnlink.Status != domain.UnlinkByMeta || doc.Status != domain.StatusCompleted {
		t.Fatalf("read model: %+v", doc)
	}
}

// TestMetaCutsTheChannelOffAfterTheAcknowledgement: the admin asked to
// release the number, then Meta's delivery disconnected the channel before the
// code was entered: the removal completes with no Graph call, and says (in
// the workflow's answer and in the read model alike) that the number could
// not be released here, rather than leaving it "pending".
func TestMetaCutsTheChannelOffAfterTheAcknowledgement(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba := "WMID-" + s.account[:8]
	ch := s.must(s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: "WhatsApp Meio", Kind: "whatsapp_cloud",
		WABAID: waba, PhoneNumberID: "PN-" + waba, Token: "tok-meio"}))
	id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true, "release_number": true}), 200, "")
	body := accountUpdate("PARTNER_REMOVED", waba)
	s.want(s.deliver(body, sign(body)), 200, "")
	s.eventually(func() bool { return s.channelStatus(ch) == domain.ChannelDisconnected })
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	done := s.until(id, "completed")
	s.closed(id)
	read := s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 200, "")
	for name, r := range map[string]resp{"answer": done, "read model": read} {
		mu := r.Body["meta_unlink"].(map[string]any)
		n, _ := mu["number"].(map[string]any)
		if mu["status"] != string(domain.UnlinkByMeta) || n == nil || n["status"] != string(domain.NumberFailed) || n["last_error"] != domain.NumberNotReleasable {
			t.Fatalf("%s: %s", name, r.Raw)
		}
	}
	if calls := s.graph.Calls(); len(calls) != 0 {
		t.Fatalf("Graph calls: %+v", calls)
	}
}
