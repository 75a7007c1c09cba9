package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// Ops press every button on the workflows that carry notices and Meta's
// disconnections, against the real server: each leaves a true record.

// TestOpsCancelAndResetANotice: an admins' notice retrying while SendGrid is
// down, cancelled from Temporal, closes Canceled with notice_failed recorded
// (the reason: cancelled by ops) and ops told (it used to end saying
// nothing); a notice that went out, reset to its first task, sends nothing
// twice.
func TestOpsCancelAndResetANotice(t *testing.T) {
	s := newStack(t)
	s.opsMail = "ops@loja.test"
	s.start(true)
	ch := s.channel("messenger", "", "page-notice-cancel")
	id := s.acknowledged(ch)
	s.sg.SetStatuses(http.StatusServiceUnavailable)
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	notice := workflows.NoticeID(domain.NoticeAdmins, s.runOf(id))
	s.eventually(func() bool {
		d, err := s.tc.DescribeWorkflowExecution(context.Background(), notice, "")
		return err == nil && d.GetPendingActivities() != nil && len(d.GetPendingActivities()) > 0
	})
	if err := s.tc.CancelWorkflow(context.Background(), notice, ""); err != nil {
		t.Fatal(err)
	}
	s.sg.SetStatuses(http.StatusAccepted) // ops' alert may go out now; the admins' notice was cancelled
	s.eventually(func() bool {
		d, err := s.tc.DescribeWorkflowExecution(context.Background(), notice, "")
		return err == nil && d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED
	})
	if audit := s.auditActions(id); !strings.Contains(audit, `"notice_failed"`) || !strings.Contains(audit, "cancelado pela equipe de operações") {
		t.Fatalf("the cancelled notice left no record: %s", audit)
	}
	s.eventually(func() bool {
		for _, m := range s.sg.Sent() {
			if m.To == s.opsMail && strings.Contains(m.Text, "cancelado pela equipe de operações") {
				return true
			}
		}
		return false
	})
	if n := s.notices()[s.adminEmail()]; n != 0 {
		t.Fatalf("the cancelled notice was sent %d times", n)
	}

	// Reset: a notice that went out, run again from its first task, sends nothing more.
	ch2 := s.channel("messenger", "", "page-notice-reset")
	id2 := s.acknowledged(ch2)
	s.want(s.do("POST", "/v1/removals/"+id2+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	notice2 := workflows.NoticeID(domain.NoticeAdmins, s.runOf(id2))
	s.eventually(func() bool { return s.notices()[s.adminEmail()] == 1 })
	s.closed(notice2)
	s.resetToFirstTask(notice2)
	s.closed(notice2)
	if n := s.notices()[s.adminEmail()]; n != 1 {
		t.Fatalf("a reset notice sent %d notices, want the one", n)
	}
}

// TestOpsResetAMetaDisconnection: a delivery's run that disconnected a WABA's
// channels and had the admins told, reset to its first task, disconnects
// nothing twice and tells no admin twice (its notices' ids are the delivery's).
func TestOpsResetAMetaDisconnection(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba := "WRESET-" + s.account[:8]
	a := s.channel("whatsapp_cloud", waba, "")
	body := accountUpdate("PARTNER_REMOVED", waba)
	s.want(s.deliver(body, sign(body)), 200, "")
	run := workflows.MetaDeliveryID(deliveryID(body))
	s.eventually(func() bool { return len(s.disconnectionNotices()) == 1 })
	s.closed(run)
	before := len(s.sg.Sent())
	s.resetToFirstTask(run)
	s.closed(run)
	if st := s.channelStatus(a); st != "disconnected" {
		t.Fatalf("after the reset the channel is %s", st)
	}
	if n := len(s.sg.Sent()); n != before {
		t.Fatalf("the reset run sent %d more mails", n-before)
	}
}
