package activities_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestAlertOpsOnce: the alert goes to MAIL_OPS with the Meta error and the
// exact retry command; a retry after it was recorded (a worker killed before
// Temporal recorded the activity) sends nothing; a send SendGrid refused is
// sent by the retry; without MAIL_OPS nothing is sent.
func TestAlertOpsOnce(t *testing.T) {
	e := newEnv(t, http.StatusServiceUnavailable, http.StatusAccepted)
	ch := e.channel("messenger", "", "P1")
	in := activities.OpsAlertInput{Step: e.step(ch), ChannelName: "Messenger Loja", LastError: "Meta: token inválido (código 190)",
		Attempts: 1, Since: e.clock.Now(), RetryUntil: e.clock.Now().Add(7 * 24 * time.Hour)}

	e.acts.OpsMail = ""
	if sent, err := e.acts.AlertOps(e.ctx, in); err != nil || sent || len(e.sg.Sent()) != 0 {
		t.Fatalf("without MAIL_OPS: sent %v, %v, %d mails", sent, err, len(e.sg.Sent()))
	}
	e.acts.OpsMail = "ops@loja.test"
	if _, err := e.acts.AlertOps(e.ctx, in); err == nil {
		t.Fatal("a mail SendGrid refused counted as sent")
	}
	for i := 0; i < 2; i++ {
		if sent, err := e.acts.AlertOps(e.ctx, in); err != nil || !sent {
			t.Fatalf("try %d: %v %v", i, sent, err)
		}
	}
	mails := e.sg.Sent()
	if len(mails) != 1 || mails[0].To != "ops@loja.test" {
		t.Fatalf("mails: %+v", mails)
	}
	for _, want := range []string{"Messenger Loja", "código 190", "channel-removal ops retry-unlinks --channel " + ch, "horário de Brasília"} {
		if !strings.Contains(mails[0].Text, want) {
			t.Errorf("the alert lacks %q:\n%s", want, mails[0].Text)
		}
	}
	var n int
	if err := e.store.DB().Get(&n, `SELECT count(*) FROM removal_audit_log WHERE removal_id = $1 AND action = 'ops_alerted'`, in.RemovalID); err != nil || n != 1 {
		t.Fatalf("ops_alerted records: %d %v", n, err)
	}
}

// TestOpsAreToldOfANoticeNotSent: once per run and notice, with SendGrid's
// error and what to do; a retry sends nothing more.
func TestOpsAreToldOfANoticeNotSent(t *testing.T) {
	e := newEnv(t)
	e.acts.OpsMail = "ops@loja.test"
	ch := e.channel("email", "", "")
	in := activities.NoticeFailedInput{Step: e.step(ch), ChannelName: "E-mail Suporte", Notice: domain.NoticeAdmins,
		Error: "sendgrid: 400 invalid address"}
	for i := 0; i < 2; i++ {
		if _, err := e.acts.AlertNoticeFailed(e.ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	mails := e.sg.Sent()
	if len(mails) != 1 || mails[0].To != "ops@loja.test" || !strings.Contains(mails[0].Text, "invalid address") ||
		!strings.Contains(mails[0].Text, "avise-os por outro meio") {
		t.Fatalf("mails: %+v", mails)
	}
}

// TestANoticeNotSentOfIdsAloneNamesItsRun: the admins' notice's input names
// its run alone (since r6); its notice_failed record carries the run's
// account and channel, and ops' alert the channel's name, from the run's row.
func TestANoticeNotSentOfIdsAloneNamesItsRun(t *testing.T) {
	e := newEnv(t)
	e.acts.OpsMail = "ops@loja.test"
	ch := e.channel("whatsapp_cloud", "W-NF", "")
	st := e.tombstoned(ch, "WhatsApp Vendas")
	ids := activities.Step{RemovalID: st.RemovalID, RunID: st.RunID}
	if err := e.acts.RecordAudit(e.ctx, activities.AuditInput{Step: ids, Action: domain.ActionNoticeFailed,
		Detail: map[string]string{"notice": string(domain.NoticeAdmins)}, Seq: 1_000_001}); err != nil {
		t.Fatal(err)
	}
	var account, channel string
	if err := e.store.DB().QueryRow(`SELECT account_id, channel_id FROM removal_audit_log
		WHERE removal_id = $1 AND action = 'notice_failed'`, st.RemovalID).Scan(&account, &channel); err != nil ||
		account != e.account || channel != ch {
		t.Fatalf("notice_failed record: account %q channel %q, %v", account, channel, err)
	}
	if _, err := e.acts.AlertNoticeFailed(e.ctx, activities.NoticeFailedInput{Step: ids, Notice: domain.NoticeAdmins, Error: "sendgrid: 400"}); err != nil {
		t.Fatal(err)
	}
	if mails := e.sg.Sent(); len(mails) != 1 || !strings.Contains(mails[0].Text+mails[0].Subject, "WhatsApp Vendas") {
		t.Fatalf("mails: %+v", mails)
	}
}
