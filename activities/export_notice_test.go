package activities_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestEveryAdminIsToldOfAnExportOnceEach: the notice of an export goes to
// every admin of the account (not the agent), saying who exported, when,
// from which IP and how much; a send SendGrid refuses mid-way is retried for
// that admin alone, a retry after all were recorded sends nothing, and a
// second export is told of again, as its own notice.
func TestEveryAdminIsToldOfAnExportOnceEach(t *testing.T) {
	e := newEnv(t, http.StatusAccepted, http.StatusServiceUnavailable, http.StatusAccepted)
	e.must(e.b.User("", e.account, "segunda@loja.test", "Segunda Admin", "admin"))
	e.acts.AppURL = "https://crm.loja.test"
	ch := e.channel("messenger", "", "page-x")
	in := func(exportID string) activities.NoticeInput {
		step := e.step(ch)
		step.RunID = "export:" + exportID
		step.Actor = domain.Actor{UserID: e.admin, IP: "203.0.113.9"}
		return activities.NoticeInput{Step: step, ChannelName: "Messenger Loja", At: e.clock.Now(),
			Export: &activities.ExportFacts{ID: exportID, Conversations: 3, Messages: 27}}
	}
	first := in("e-1")
	if sent, err := e.acts.NotifyAdmins(e.ctx, first); err == nil || sent != 1 {
		t.Fatalf("first try: sent %d, %v (SendGrid refused the second admin's)", sent, err)
	}
	for i := range 2 {
		if sent, err := e.acts.NotifyAdmins(e.ctx, first); err != nil || sent != 1-i {
			t.Fatalf("retry %d: sent %d, %v", i, sent, err)
		}
	}
	if sent, err := e.acts.NotifyAdmins(e.ctx, in("e-2")); err != nil || sent != 2 {
		t.Fatalf("a second export: sent %d, %v", sent, err)
	}
	mails := e.sg.Sent()
	if len(mails) != 4 || mails[0].To != "admin@loja.test" || mails[1].To != "segunda@loja.test" {
		t.Fatalf("mails: %+v", mails)
	}
	m := mails[1]
	if !strings.Contains(m.Subject, `"Messenger Loja" foram exportadas`) {
		t.Fatalf("subject %q", m.Subject)
	}
	for _, want := range []string{"Loja Teste", "Quem exportou: Admin (admin@loja.test)", "De qual IP: 203.0.113.9",
		"(horário de Brasília)", "3 conversas e 27 mensagens", "Se não foi você", "https://crm.loja.test/#/canais/" + ch} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the notice lacks %q:\n%s", want, m.Text)
		}
	}
	var n int
	if err := e.store.DB().Get(&n, `SELECT count(*) FROM removal_audit_log WHERE channel_id = $1 AND action = 'export_notified'`, ch); err != nil || n != 4 {
		t.Fatalf("%d export_notified records, want 4 (%v)", n, err)
	}
}
