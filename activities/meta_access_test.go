package activities_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

func (e *env) record(deliveryID string) {
	e.t.Helper()
	if _, _, _, err := e.store.RecordDelivery(e.ctx, deliveryID, []byte(`{}`), e.clock.Now(), true); err != nil {
		e.t.Fatal(err)
	}
}

// TestDisconnectChannelsIsIdempotent: the live channels on the WABA are
// disconnected with their record; a retry after the commit (a worker killed
// before Temporal heard) returns the same channels and changes nothing; a
// later delivery about the same WABA disconnects nothing new; removed
// channels and other WABAs are untouched.
func TestDisconnectChannelsIsIdempotent(t *testing.T) {
	e := newEnv(t)
	a, b := e.channel("whatsapp_cloud", "W-CUT", ""), e.channel("whatsapp_cloud", "W-CUT", "")
	other := e.channel("whatsapp_cloud", "W-OTHER", "")
	e.record("d1")
	e.record("d2")
	in := activities.DisconnectInput{DeliveryID: "d1", Event: domain.AccessLost{WABAID: "W-CUT", Event: "PARTNER_REMOVED"}}
	for i := 0; i < 2; i++ {
		chs, err := e.acts.DisconnectChannels(e.ctx, in)
		if err != nil || len(chs) != 2 || chs[0].AccountID != e.account || chs[0].Event != "PARTNER_REMOVED" {
			t.Fatalf("try %d: %+v %v", i, chs, err)
		}
	}
	again, err := e.acts.DisconnectChannels(e.ctx, activities.DisconnectInput{DeliveryID: "d2",
		Event: domain.AccessLost{WABAID: "W-CUT", Event: "ACCOUNT_DELETED"}})
	if err != nil || len(again) != 0 {
		t.Fatalf("a second delivery: %+v %v", again, err)
	}
	for id, want := range map[string]string{a: "disconnected", b: "disconnected", other: "active"} {
		if ch, _ := e.store.Channel(e.ctx, id); ch.Status != want {
			t.Fatalf("channel %s: %s, want %s", id, ch.Status, want)
		}
	}
	var n int
	e.store.DB().Get(&n, `SELECT count(*) FROM channel_disconnections WHERE delivery_id = 'd1' AND event = 'PARTNER_REMOVED'`)
	if n != 2 {
		t.Fatalf("%d disconnection records", n)
	}
}

// TestNotifyDisconnectedOnceEach: every admin of the account gets one notice
// per delivery listing its channels with their links; a send SendGrid
// refuses is retried for that admin alone.
func TestNotifyDisconnectedOnceEach(t *testing.T) {
	e := newEnv(t, http.StatusServiceUnavailable, http.StatusAccepted)
	e.must(e.b.User("", e.account, "zeta@loja.test", "Zeta", "admin"))
	e.acts.AppURL = "https://crm.loja.test/"
	ch := e.channel("whatsapp_cloud", "W-N", "")
	e.record("d1")
	chs, err := e.acts.DisconnectChannels(e.ctx, activities.DisconnectInput{DeliveryID: "d1", Event: domain.AccessLost{WABAID: "W-N", Event: "ACCOUNT_DELETED"}})
	if err != nil {
		t.Fatal(err)
	}
	in := activities.DisconnectionNoticeInput{DeliveryID: "d1", AccountID: e.account, Channels: chs, At: e.clock.Now()}
	if sent, err := e.acts.NotifyDisconnected(e.ctx, in); err == nil || sent != 0 {
		t.Fatalf("SendGrid refused: sent %d, %v", sent, err)
	}
	for i, want := range []int{2, 0} {
		if sent, err := e.acts.NotifyDisconnected(e.ctx, in); err != nil || sent != want {
			t.Fatalf("try %d: sent %d, %v", i, sent, err)
		}
	}
	mails := e.sg.Sent()
	if len(mails) != 2 || mails[0].To != "admin@loja.test" || mails[1].To != "zeta@loja.test" {
		t.Fatalf("mails: %+v", mails)
	}
	for _, want := range []string{`"Canal whatsapp_cloud" foi desconectado`, "https://crm.loja.test/#/canais/" + ch, "foi excluída na Meta", "Loja Teste"} {
		if !strings.Contains(mails[0].Text+mails[0].Subject, want) {
			t.Errorf("the notice lacks %q:\n%s", want, mails[0].Text)
		}
	}
}
