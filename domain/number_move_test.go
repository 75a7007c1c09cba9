package domain

import (
	"strings"
	"testing"
	"time"
)

// TestNumberMoveIsSaidForAWhatsAppNumberOnly: a WhatsApp Business API
// removal's outcome and admins' notice say what taking the number elsewhere
// needs (the PIN and how to reset it, 133005 and 133016, the 30 days,
// Embedded Signup), as Meta's "Business phone numbers" page says it: without
// the current PIN, WhatsApp Manager turns two-step verification off (a link
// to the portfolio's e-mail) rather than changing it; only a portfolio
// admin deletes the number, 30 days after its last paid message, which
// Insights dates. A coexistence number, or any other channel, says none.
func TestNumberMoveIsSaidForAWhatsAppNumberOnly(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	for _, text := range []string{NoteNumberMove, NumberMoveText} {
		for _, want := range []string{"PIN", "verificação em duas etapas", "Gerenciador do WhatsApp", "133005", "133016", "30 dias", "Embedded Signup",
			"pede o PIN atual", "esativ", "e-mail do portfólio empresarial", "administrador do portfólio empresarial", "Insights"} {
			if !strings.Contains(text, want) {
				t.Errorf("%q lacks %q", text, want)
			}
		}
	}
	for _, c := range []struct {
		im   *Impact
		want bool
	}{
		{&Impact{Kind: KindWhatsAppCloud}, true},
		{&Impact{Kind: KindWhatsAppCloud, Coexistence: true}, false},
		{&Impact{Kind: KindMessenger}, false},
		{nil, false},
	} {
		doc := Complete(Removal{Impact: c.im}, now)
		has := len(doc.Notes) > 0 && doc.Notes[len(doc.Notes)-1] == NoteNumberMove
		if has != c.want || NumberMoveApplies(c.im) != c.want {
			t.Errorf("%+v: notes %v", c.im, doc.Notes)
		}
		n := RemovalNotice{ChannelName: "WhatsApp", At: now, Status: StatusCompleted, NumberMove: NumberMoveApplies(c.im)}
		if strings.Contains(n.Text(), "PIN da verificação em duas etapas") != c.want {
			t.Errorf("%+v: notice %s", c.im, n.Text())
		}
	}
}
