package activities_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestTheCodeMailNamesWhatTheCodeApproves: the code e-mail names the
// channel's removal, the purge of its messages after the days chosen and the
// number's release, on the first send and on a resend alike (whose input
// carries only the decided document); a plain removal says the history is
// kept and nothing of a number.
func TestTheCodeMailNamesWhatTheCodeApproves(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("whatsapp_cloud", "WABA-M", "")
	doc := domain.Removal{Status: domain.StatusAwaitingCode, Notes: []string{}, Retention: domain.RetentionChosen(90),
		MetaUnlink: domain.MetaUnlink{Number: &domain.NumberRelease{Status: domain.NumberPending}}}
	decided := domain.Decided{domain.OutcomeCodeSent: doc}
	in := activities.SendCodeInput{Step: e.step(ch), ChannelName: "WhatsApp Vendas", Seq: 1, Acknowledged: true,
		ReleaseNumber: true, PurgeAfterDays: 90, Decided: decided}
	if _, err := e.acts.SendVerificationCode(e.ctx, in); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * time.Minute)
	resend := activities.SendCodeInput{Step: e.step(ch), ChannelName: "WhatsApp Vendas", Seq: 2, Decided: decided}
	if _, err := e.acts.SendVerificationCode(e.ctx, resend); err != nil {
		t.Fatal(err)
	}
	mails := e.sg.Sent()
	if len(mails) != 2 {
		t.Fatalf("mails: %d", len(mails))
	}
	for i, m := range mails {
		for _, want := range []string{`a remoção irreversível do canal de atendimento "WhatsApp Vendas"`,
			"a exclusão das mensagens deste canal 90 dias após a remoção", "a liberação do número de WhatsApp deste canal na Meta"} {
			if !strings.Contains(m.Text, want) {
				t.Errorf("mail %d lacks %q:\n%s", i+1, want, m.Text)
			}
		}
	}

	plain := e.channel("email", "", "")
	if _, err := e.send(plain, 1); err != nil {
		t.Fatal(err)
	}
	m := e.sg.Sent()[2]
	if !strings.Contains(m.Text, "o histórico de conversas e mensagens do canal é mantido") ||
		strings.Contains(m.Text, "exclusão das mensagens") || strings.Contains(m.Text, "número") {
		t.Fatalf("a plain removal's mail:\n%s", m.Text)
	}
}
