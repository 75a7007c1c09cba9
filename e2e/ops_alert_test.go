package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
)

// TestOpsAlertWhenAnUnlinkStaysFailed: a removal left in
// completed_with_warnings past OPS_ALERT_AFTER (2 s here) e-mails MAIL_OPS
// once, with the channel, Meta's error and the exact retry command; the
// audit trail says so.
func TestOpsAlertWhenAnUnlinkStaysFailed(t *testing.T) {
	s := newStack(t)
	s.opsMail = "ops@loja.test"
	s.apiConfig = func(c *api.Config) { c.OpsAlertAfter = 2 * time.Second }
	s.start(true)
	ch := s.channel("messenger", "", "PALERT-"+s.account[:8])
	id := s.acknowledged(ch)
	s.graph.FailNext(1, graphsim.Failure{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, "completed_with_warnings")
	var alerts []string
	s.eventually(func() bool {
		alerts = nil
		for _, m := range s.sg.Sent() {
			if m.To == "ops@loja.test" {
				alerts = append(alerts, m.Text)
			}
		}
		return len(alerts) > 0
	})
	time.Sleep(3 * time.Second) // a second alert would be due by now
	n := 0
	for _, m := range s.sg.Sent() {
		if m.To == "ops@loja.test" {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d ops alerts", n)
	}
	for _, want := range []string{"Canal messenger", "código 190", "channel-removal ops retry-unlinks --channel " + ch} {
		if !strings.Contains(alerts[0], want) {
			t.Errorf("the alert lacks %q:\n%s", want, alerts[0])
		}
	}
	if trail := s.auditActions(id); !strings.Contains(trail, `"action":"ops_alerted"`) {
		t.Fatalf("audit: %s", trail)
	}
}
