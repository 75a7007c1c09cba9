package activities_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestNotifyAdminsOnceEach: every admin of the account (not the agent) gets
// the notice, with the channel, who removed it, when, from which IP, the
// outcome and what to do; a send SendGrid refuses mid-way is retried for
// that admin alone, and a retry after all were recorded sends nothing.
func TestNotifyAdminsOnceEach(t *testing.T) {
	e := newEnv(t, http.StatusAccepted, http.StatusServiceUnavailable, http.StatusAccepted)
	e.must(e.b.User("", e.account, "segunda@loja.test", "Segunda Admin", "admin"))
	e.acts.AppURL = "https://crm.loja.test"
	ch := e.channel("whatsapp_cloud", "W-N", "")
	step := e.step(ch)
	step.Actor = domain.Actor{UserID: e.admin, IP: "203.0.113.9"}
	in := activities.NoticeInput{Step: step, ChannelName: "WhatsApp Oficial", Status: domain.StatusCompletedWithWarnings,
		MetaError: "Meta: token inválido (código 190).", At: e.clock.Now()}

	sent, err := e.acts.NotifyAdmins(e.ctx, in)
	if err == nil || sent != 1 {
		t.Fatalf("first try: sent %d, %v (SendGrid refused the second admin's)", sent, err)
	}
	for i := 0; i < 2; i++ {
		if sent, err = e.acts.NotifyAdmins(e.ctx, in); err != nil || sent != 1-i {
			t.Fatalf("retry %d: sent %d, %v", i, sent, err)
		}
	}
	mails := e.sg.Sent()
	if len(mails) != 2 || mails[0].To != "admin@loja.test" || mails[1].To != "segunda@loja.test" {
		t.Fatalf("mails: %+v", mails)
	}
	m := mails[1]
	if strings.HasSuffix(m.Subject, " WhatsApp Oficial") || !strings.Contains(m.Subject, "WhatsApp Oficial") {
		t.Fatalf("subject %q", m.Subject)
	}
	for _, want := range []string{`"WhatsApp Oficial"`, "Loja Teste", "Admin (admin@loja.test)", "203.0.113.9",
		"25/11/2026 09:00 (horário de Brasília)", "concluída com avisos", "código 190", "Se não foi você",
		"https://crm.loja.test/#/historico/" + in.RemovalID} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the notice lacks %q:\n%s", want, m.Text)
		}
	}
	var rows []struct {
		To string `db:"to"`
	}
	if err := e.store.DB().Select(&rows, `SELECT detail->>'to' AS to FROM removal_audit_log
		WHERE removal_id = $1 AND action = 'admin_notified' ORDER BY id`, in.RemovalID); err != nil || len(rows) != 2 {
		t.Fatalf("admin_notified records: %+v %v", rows, err)
	}
}

// TestNotifyAdminsReadsTheRunsRow: a removal's run sends ids, actor and
// status alone (since r6); the notice reads the channel's name, its account,
// when it was removed and whether its number may move from the run's row.
func TestNotifyAdminsReadsTheRunsRow(t *testing.T) {
	e := newEnv(t, http.StatusAccepted)
	ch := e.channel("whatsapp_cloud", "W-ROW", "")
	st := e.tombstoned(ch, "WhatsApp da Loja")
	in := activities.NoticeInput{Step: activities.Step{RemovalID: st.RemovalID, RunID: st.RunID,
		Actor: domain.Actor{UserID: e.admin, IP: "203.0.113.9"}}, Status: domain.StatusCompleted}
	if sent, err := e.acts.NotifyAdmins(e.ctx, in); err != nil || sent != 1 {
		t.Fatalf("sent %d, %v", sent, err)
	}
	m := e.sg.Sent()[0]
	for _, want := range []string{`"WhatsApp da Loja"`, "Loja Teste", "Para usar o número do WhatsApp em outro provedor"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the notice lacks %q:\n%s", want, m.Text)
		}
	}
	if strings.Contains(m.Text, "0001") { // when: the row's, not a zero time
		t.Errorf("the notice's time is zero:\n%s", m.Text)
	}
	var account, channel string
	if err := e.store.DB().QueryRow(`SELECT account_id, channel_id FROM removal_audit_log
		WHERE removal_id = $1 AND action = 'admin_notified'`, st.RemovalID).Scan(&account, &channel); err != nil ||
		account != e.account || channel != ch {
		t.Fatalf("admin_notified record: account %q channel %q, %v", account, channel, err)
	}
}
