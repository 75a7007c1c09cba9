package activities_test

import (
	"strings"
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestNotifyOffboardedTellsTheAdminsAndKeepsTheChannel: coexistence's
// ACCOUNT_OFFBOARDED is no removal by the business. Every admin of each
// account with a live channel on the WABA is told once (a retry sends
// nothing more), with the channel's link; the channel stays active and is
// recorded nowhere as disconnected; a WABA with no channel tells nobody.
func TestNotifyOffboardedTellsTheAdminsAndKeepsTheChannel(t *testing.T) {
	e := newEnv(t)
	e.acts.AppURL = "https://crm.loja.test"
	ch := e.channel("whatsapp_cloud", "W-COEX", "")
	e.channel("whatsapp_cloud", "W-ELSE", "")
	e.record("d1")
	in := activities.OffboardedNoticeInput{DeliveryID: "d1", At: e.clock.Now(),
		Event: domain.AccessLost{WABAID: "W-COEX", Event: domain.EventAccountOffboarded}}
	for i, want := range []int{1, 0} {
		if sent, err := e.acts.NotifyOffboarded(e.ctx, in); err != nil || sent != want {
			t.Fatalf("try %d: sent %d, %v", i, sent, err)
		}
	}
	mails := e.sg.Sent()
	if len(mails) != 1 || mails[0].To != "admin@loja.test" || !strings.Contains(mails[0].Subject, "saiu da API do WhatsApp Business") ||
		!strings.Contains(mails[0].Text, "https://crm.loja.test/#/canais/"+ch) || !strings.Contains(mails[0].Text, "Nada foi desconectado") {
		t.Fatalf("mails: %+v", mails)
	}
	if got, _ := e.store.Channel(e.ctx, ch); got.Status != "active" {
		t.Fatalf("channel %s", got.Status)
	}
	var n int
	e.store.DB().Get(&n, `SELECT count(*) FROM channel_disconnections`)
	if n != 0 {
		t.Fatalf("%d disconnection records", n)
	}
	none := in
	none.Event.WABAID = "W-NOBODY"
	if sent, err := e.acts.NotifyOffboarded(e.ctx, none); err != nil || sent != 0 {
		t.Fatalf("a WABA of nobody's: sent %d, %v", sent, err)
	}
	if err := e.acts.MarkDeliveryProcessed(e.ctx, "d1"); err != nil {
		t.Fatal(err)
	}
	if _, processed, _, err := e.store.RecordDelivery(e.ctx, "d1", []byte(`{}`), e.clock.Now(), true); err != nil || !processed {
		t.Fatalf("processed %v, %v", processed, err)
	}
}

// TestKindOfUpdate: the kinds this service tells apart; anything else is
// ignored, including ACCOUNT_OFFBOARDED's neighbours.
func TestKindOfUpdate(t *testing.T) {
	for ev, want := range map[string]domain.AccountUpdateKind{
		"PARTNER_REMOVED": domain.UpdateAccessLost, "PARTNER_APP_UNINSTALLED": domain.UpdateAccessLost,
		"ACCOUNT_DELETED": domain.UpdateAccessLost, "ACCOUNT_OFFBOARDED": domain.UpdateOffboarded,
		"ACCOUNT_RESTRICTION": domain.UpdateIgnored, "ACCOUNT_RECONNECTED": domain.UpdateIgnored, "": domain.UpdateIgnored,
	} {
		if got := domain.KindOfUpdate(ev); got != want {
			t.Errorf("%q: %v, want %v", ev, got, want)
		}
	}
}
