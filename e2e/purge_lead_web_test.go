package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestAHoldLiftedAfterTheDateReschedulesThePurgeInTheBrowser: a purge held
// past its date is, once an admin lifts the hold on the channel page, moved
// to 7 retention days from the lift (the page says so before the button and
// shows the new date after), every admin is told again, and it waits on the
// new date while SendGrid refuses that notice; once the notice goes out the
// messages are purged, and the channel's conversations say Mensagens
// apagadas.
func TestAHoldLiftedAfterTheDateReschedulesThePurgeInTheBrowser(t *testing.T) {
	w := newWebStackWith(t, func(s *stack) { s.retentionDay = time.Second }) // 30 days: 30 s; the lead: 7 s
	ch := w.channel("messenger", "", "page-web-hold")
	w.conversationsWith(ch, 2)
	_, done := w.removeChoosing(ch, 30)
	w.want(w.do("PUT", "/v1/channels/"+ch+"/hold", w.adminToken, map[string]any{"reason": "Ofício judicial 42"}), 200, "")
	w.purgeStatus(ch, "held")
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(retention(done)["purge_at"]))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(at) + 500*time.Millisecond) // past its date, held
	told := w.purgeNotices(true)[w.adminEmail()]

	b := newBrowser(t, w.http.URL)
	b.signIn(w.adminEmail(), webPassword)
	b.see("Canais de Atendimento")
	b.open("#/canais/" + ch)
	b.see("Sim, desde")
	b.see("a exclusão é remarcada para 7 dias depois")
	b.shot("23h-retencao-legal-apos-a-data")

	w.sg.SetStatuses(http.StatusServiceUnavailable) // the new date's notice cannot go out
	lifted := time.Now()
	b.click("Retirar retenção legal")
	w.eventually(func() bool {
		rt := retention(w.want(w.do("GET", "/v1/channels/"+ch, w.adminToken, nil), 200, ""))
		next, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(rt["purge_at"]))
		return rt["status"] == "scheduled" && !next.Before(lifted.Add(7*time.Second).Truncate(time.Second))
	})
	b.run(chromedp.Reload()) // the same address: drawn again with the purge as it now stands
	b.see("Exclusão programada em")
	b.shot("23i-exclusao-remarcada")

	w.sg.SetStatuses(http.StatusAccepted)
	w.purgeStatus(ch, "purged")
	if again := w.purgeNotices(true)[w.adminEmail()]; again != told+1 {
		t.Fatalf("notices of the purge: %d before the lift, %d after; want one more, for the new date", told, again)
	}
	b.open("#/canais/" + ch + "/conversas")
	b.see("Mensagens apagadas")
	b.shot("23f-mensagens-apagadas")
	b.run(chromedp.EmulateViewport(375, 812))
	b.noHorizontalScroll("purged conversations")
	b.shot("phone-mensagens-apagadas")
	b.run(chromedp.EmulateViewport(1280, 900))
	b.open("#/canais/" + ch)
	b.see("As mensagens deste canal foram apagadas")
	b.shot("23g-canal-mensagens-apagadas")
	if foreign := b.foreignRequests(); len(foreign) > 0 {
		t.Fatalf("requests left the origin: %v", foreign)
	}
}
