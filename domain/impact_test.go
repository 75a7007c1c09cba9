package domain

import (
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
