package domain

import (
	"encoding/json"
	"strings"
	"testing"
)

// Counts read as Portuguese: plural forms, zero counts left out.
func TestReferencesReadAsPortuguese(t *testing.T) {
	for _, c := range []struct {
		r    References
		want string
	}{
		{References{}, ""},
		{References{Automations: 1}, "1 automação"},
		{References{Automations: 2, Webhooks: 1}, "2 automações e 1 webhook"},
		{References{Automations: 1, RoutingRules: 3, Chatbots: 1, Webhooks: 2}, "1 automação, 3 regras de roteamento, 1 chatbot e 2 webhooks"},
	} {
		if got := c.r.Text(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.r, got, c.want)
		}
	}
	one := ImpactOf(Channel{Kind: KindEmail}, ImpactFacts{Conversations: 1, References: References{Chatbots: 1}})
	if w := strings.Join(one.Warnings, " | "); !strings.Contains(w, "O canal será desvinculado de 1 chatbot.") ||
		!strings.Contains(w, "A conversa continuará visível") || strings.Contains(w, "(s)") {
		t.Fatalf("warnings: %s", w)
	}
}

// TestWarningsRebuildFromTheImpactsFacts: a payload carries the impact
// without its warnings (since r6); its facts rebuild the same texts,
// the shared WABA's among them, after a JSON round trip.
func TestWarningsRebuildFromTheImpactsFacts(t *testing.T) {
	waba, page := "W-1", "P-1"
	for name, c := range map[string]struct {
		ch     Channel
		f      ImpactFacts
		wanted string
	}{
		"shared WABA":  {Channel{Kind: KindWhatsAppCloud, WABAID: &waba}, ImpactFacts{OtherLiveChannelsOnWABA: 2, Conversations: 3}, "é usada por outro canal ativo"},
		"own WABA":     {Channel{Kind: KindWhatsAppCloud, WABAID: &waba, Coexistence: true}, ImpactFacts{Conversations: 1}, "Integração oficial"},
		"page":         {Channel{Kind: KindMessenger, PageID: &page}, ImpactFacts{References: References{Webhooks: 2}}, "da página P-1"},
		"disconnected": {Channel{Kind: KindWhatsAppCloud, WABAID: &waba, Status: ChannelDisconnected}, ImpactFacts{Conversations: ConversationCountCap + 1}, "desconectado na Meta"},
	} {
		im := ImpactOf(c.ch, c.f)
		b, _ := json.Marshal(im)
		var carried Impact
		_ = json.Unmarshal(b, &carried)
		carried.Warnings = nil
		got := carried.WarningTexts()
		if strings.Join(got, "|") != strings.Join(im.Warnings, "|") || !strings.Contains(strings.Join(got, "|"), c.wanted) {
			t.Errorf("%s: rebuilt %q, found %q", name, got, im.Warnings)
		}
	}
}
