package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/workflows"
)

// offboardedNotices are the e-mails about coexistence numbers that left the
// Cloud API, by recipient.
func (s *stack) offboardedNotices() map[string][]string {
	n := map[string][]string{}
	for _, m := range s.sg.Sent() {
		if strings.Contains(m.Subject, "saiu da API do WhatsApp Business") {
			n[m.To] = append(n[m.To], m.Text)
		}
	}
	return n
}

// TestAnOffboardedNumberIsToldNotDisconnected: through the API, the
// workflow and its notice, coexistence's ACCOUNT_OFFBOARDED tells the
// admins and disconnects nothing. A later delivery that says a WABA was
// both offboarded and removed, offboarding first (as an attacker who could
// sign, or Meta's batching, might order it), disconnects that WABA's
// channel and tells its admins only of the disconnection.
func TestAnOffboardedNumberIsToldNotDisconnected(t *testing.T) {
	s := newStack(t)
	s.start(true)
	coex, both := "WCOEX-"+s.account[:8], "WBOTH-"+s.account[:8]
	a, b := s.channel("whatsapp_cloud", coex, ""), s.channel("whatsapp_cloud", both, "")

	off := accountUpdate("ACCOUNT_OFFBOARDED", coex)
	s.want(s.deliver(off, sign(off)), 200, "")
	s.closed(workflows.MetaDeliveryID(deliveryID(off)))
	if n := s.offboardedNotices()[s.adminEmail()]; len(n) != 1 || !strings.Contains(n[0], "/#/canais/"+a) ||
		!strings.Contains(n[0], "Nada foi desconectado") {
		t.Fatalf("offboarded notices: %v", s.offboardedNotices())
	}
	if s.channelStatus(a) != "active" || len(s.disconnectionNotices()) != 0 {
		t.Fatalf("an offboarding disconnected: %s, %v", s.channelStatus(a), s.disconnectionNotices())
	}

	now := time.Now().Unix()
	entry := func(event string, at int64) string {
		return fmt.Sprintf(`{"id":"PARTNER-BIZ","time":%d,"changes":[{"field":"account_update","value":{"event":%q,"waba_info":{"waba_id":%q}}}]}`,
			at, event, both)
	}
	mixed := `{"object":"whatsapp_business_account","entry":[` + entry("ACCOUNT_OFFBOARDED", now) + "," +
		entry("PARTNER_REMOVED", now+1) + `]}`
	s.want(s.deliver(mixed, sign(mixed)), 200, "")
	s.closed(workflows.MetaDeliveryID(deliveryID(mixed)))
	var res workflows.MetaAccessLostResult
	if err := s.tc.GetWorkflow(context.Background(), workflows.MetaDeliveryID(deliveryID(mixed)), "").Get(context.Background(), &res); err != nil ||
		res.Offboarded != 0 || len(res.Disconnected) != 1 || res.Disconnected[0].ID != b {
		t.Fatalf("run: %+v %v", res, err)
	}
	if s.channelStatus(b) != "disconnected" || len(s.disconnectionNotices()[s.adminEmail()]) != 1 {
		t.Fatalf("the removed WABA: %s, %v", s.channelStatus(b), s.disconnectionNotices())
	}
	if n := s.offboardedNotices()[s.adminEmail()]; len(n) != 1 {
		t.Fatalf("told the WABA's admins it was offboarded beside its removal: %v", n)
	}
}
