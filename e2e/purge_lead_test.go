package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/workflows"
)

// TestAPurgeWaitsOnItsDateUntilEveryAdminWasTold: SendGrid refuses every
// mail from before the purge's notice day; on its date the purge does not
// start (messages intact, still scheduled): it moves on by the lead and
// tells every admin again; once SendGrid answers, ops are told it waited,
// and the messages are purged only on a date every admin was told of.
func TestAPurgeWaitsOnItsDateUntilEveryAdminWasTold(t *testing.T) {
	s := newStack(t)
	s.retentionDay = 300 * time.Millisecond // 30 days: 9 s; the notice 2.1 s before
	s.opsMail = "ops@loja.test"
	s.start(true)
	s.must(s.b.User("", s.account, "admin2-"+s.account[:8]+"@loja.test", "Admin 2", "admin"))
	ch := s.channel("messenger", "", "page-untold")
	s.conversationsWith(ch, 1)
	id, done := s.removeChoosing(ch, 30)
	s.sg.SetStatuses(http.StatusServiceUnavailable)
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(retention(done)["purge_at"]))
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(at) + 2*time.Second) // past the date, SendGrid down all along
	if rt := s.purgeStatus(ch, "scheduled", "purging", "purged"); rt["status"] != "scheduled" || s.messagesOf(ch) != len(tricky)+1 {
		t.Fatalf("on its date, with no admin told, the purge is %v", rt["status"])
	}
	if told := s.purgeNotices(true); len(told) != 0 {
		t.Fatalf("notices accepted while SendGrid was down: %v", told)
	}
	s.sg.SetStatuses(http.StatusAccepted)
	s.purgeStatus(ch, "purged")
	// Each date the purge was on is announced once to each admin; it ran on
	// one announced a whole lead before (the audit order below).
	if told := s.purgeNotices(true); len(told) != 2 || told[s.adminEmail()] < 1 {
		t.Fatalf("notices before the purge %v, want the 2 admins told", told)
	}
	if !strings.Contains(s.auditActions(id), "aviso não entregue") {
		t.Fatal("the purge did not move on from the date it found an admin untold on")
	}
	s.eventually(func() bool {
		for _, m := range s.sg.Sent() {
			if m.To == s.opsMail && strings.Contains(m.Subject, "aguardando o aviso") {
				return true
			}
		}
		return false
	})
	// The trail, in the order written: both admins' notices before the start.
	entries, _ := s.want(s.do("GET", "/v1/removals/"+id+"/audit", s.adminToken, nil), 200, "").Body["entries"].([]any)
	noticed, started := 0, false
	for _, e := range entries {
		switch e.(map[string]any)["action"] {
		case "purge_notice_sent":
			if started {
				t.Fatal("an admin was told after the purge started")
			}
			noticed++
		case "purge_started":
			started = true
		}
	}
	if noticed < 2 || !started {
		t.Fatalf("%d notices recorded, started %v", noticed, started)
	}
	s.closed(workflows.PurgeWorkflowID(ch))
	s.captureHistory(workflows.PurgeWorkflowID(ch), "purge_waits_for_its_notice.json")
}
