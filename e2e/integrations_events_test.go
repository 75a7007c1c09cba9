package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// TestIntegratorsReceiveEverySignedEvent: an admin registers a receiver for
// every event; an export, a removal that completes (its purge then runs),
// one that ends with warnings and a WABA Meta cut off each reach it, signed
// as the Standard Webhooks reference library verifies, with the account,
// channel and removal in the body; after a rotation the new secret verifies
// (and, during the grace, the previous one too).
func TestIntegratorsReceiveEverySignedEvent(t *testing.T) {
	s := newStack(t)
	s.retentionDay = 100 * time.Millisecond
	s.start(true)
	rc := newReceiver(t)
	endpoint, first := s.register(rc.url())

	ch := s.channel("messenger", "", "page-hooks")
	s.conversationsWith(ch, 2)
	s.export(ch, s.adminToken)
	s.within(func() bool { return len(rc.events()["conversations.exported"]) == 1 })
	if err := verify(t, first, rc.events()["conversations.exported"][0]); err != nil {
		t.Fatalf("the export's event: %v", err)
	}

	rot := s.want(s.do("POST", "/v1/webhook-endpoints/"+endpoint+"/rotate-secret", s.adminToken, nil), 200, "")
	second := rot.str("secret")
	removal, _ := s.removeChoosing(ch, 30)
	_, warnedID, _ := s.unlinkRefused("WHOOK")
	waba := "WCUTHOOK-" + s.account[:8]
	cut := s.channel("whatsapp_cloud", waba, "")
	body := accountUpdate("PARTNER_REMOVED", waba)
	s.want(s.deliver(body, sign(body)), 200, "")
	s.purgeStatus(ch, "purged")

	want := map[string]string{"channel.removed": "", "removal.completed_with_warnings": warnedID, "messages.purged": removal,
		"channel.disconnected": ""}
	s.within(func() bool {
		ev := rc.events()
		return len(ev["channel.removed"]) == 2 && len(ev["removal.completed_with_warnings"]) == 1 &&
			len(ev["messages.purged"]) == 1 && len(ev["channel.disconnected"]) == 1
	})
	for typ, removalID := range want {
		for _, g := range rc.events()[typ] {
			if err := verify(t, second, g); err != nil {
				t.Errorf("%s after the rotation, with the new secret: %v", typ, err)
			}
			if err := verify(t, first, g); err != nil {
				t.Errorf("%s during the rotation's grace, with the previous secret: %v", typ, err)
			}
			var b struct {
				Type      string
				Timestamp time.Time
				Data      map[string]any
			}
			if err := json.Unmarshal(g.Body, &b); err != nil || b.Type != typ || b.Timestamp.IsZero() || b.Data["account_id"] != s.account {
				t.Errorf("%s body: %s (%v)", typ, g.Body, err)
			}
			if removalID != "" && b.Data["removal_id"] != removalID {
				t.Errorf("%s names removal %v, want %s", typ, b.Data["removal_id"], removalID)
			}
			if typ == "channel.disconnected" && b.Data["channel_id"] != cut {
				t.Errorf("disconnected %v, want %s", b.Data["channel_id"], cut)
			}
		}
	}
	for id, n := range rc.ids() {
		if n != 1 {
			t.Errorf("webhook-id %s received %d times", id, n)
		}
	}
	ds := s.want(s.do("GET", "/v1/webhook-endpoints/"+endpoint+"/deliveries", s.adminToken, nil), 200, "")
	if list, _ := ds.Body["deliveries"].([]any); len(list) != 6 {
		t.Fatalf("deliveries listed: %s", ds.Raw)
	}
}

// TestAReceiverDownGetsEveryEventOnceBack: the receiver refuses connections
// while events happen; its attempts are recorded with the reason; once it is
// back every event arrives, each webhook-id once.
func TestAReceiverDownGetsEveryEventOnceBack(t *testing.T) {
	s := newStack(t)
	s.start(true)
	rc := newReceiver(t)
	endpoint, secret := s.register(rc.url())
	rc.down()

	a, b := s.channel("messenger", "", "page-down-a"), s.channel("messenger", "", "page-down-b")
	s.export(a, s.adminToken)
	s.removeChoosing(a, 0)
	s.removeChoosing(b, 0)
	failedTwice := func() bool {
		ds := s.want(s.do("GET", "/v1/webhook-endpoints/"+endpoint+"/deliveries", s.adminToken, nil), 200, "")
		list, _ := ds.Body["deliveries"].([]any)
		if len(list) != 3 {
			return false
		}
		for _, d := range list {
			m := d.(map[string]any)
			if m["attempts"].(float64) < 2 || m["last_status"].(float64) != 0 || m["last_answer"] == "" || m["delivered_at"] != nil {
				return false
			}
		}
		return true
	}
	s.within(failedTwice)
	if n := len(rc.ids()); n != 0 {
		t.Fatalf("a receiver that was down received %d events", n)
	}
	rc.up()
	s.within(func() bool { return len(rc.ids()) == 3 })
	time.Sleep(3 * time.Second) // a duplicate, if any, would come within the retry cap (2 s)
	for id, n := range rc.ids() {
		if n != 1 {
			t.Errorf("webhook-id %s received %d times", id, n)
		}
	}
	for typ, gs := range rc.events() {
		for _, g := range gs {
			if err := verify(t, secret, g); err != nil {
				t.Errorf("%s: %v", typ, err)
			}
		}
	}
	if ev := rc.events(); len(ev["channel.removed"]) != 2 || len(ev["conversations.exported"]) != 1 {
		t.Fatalf("events %v", fmt.Sprint(len(ev["channel.removed"]), len(ev["conversations.exported"])))
	}
	for id := range rc.ids() { // a delivery retried until its receiver came back
		s.captureHistory(id, "webhook_delivery_retried.json")
		break
	}
}
