package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// Runs that carry something owed (a notice, Meta's word on a WABA) stopped
// from Temporal without running their code: the reconciler starts them
// again (app/reconcile_carriers.go), and what they carry arrives once.

// pendingActivity waits until the workflow's open run retries activity
// (its second attempt or later).
func (s *stack) pendingActivity(workflowID, activity string) {
	s.t.Helper()
	s.eventually(func() bool {
		d, err := s.tc.DescribeWorkflowExecution(context.Background(), workflowID, "")
		if err != nil {
			return false
		}
		for _, p := range d.GetPendingActivities() {
			if p.GetActivityType().GetName() == activity && p.GetAttempt() >= 2 {
				return true
			}
		}
		return false
	})
}

// latestStatus is how the workflow's latest run stands.
func (s *stack) latestStatus(workflowID string) enumspb.WorkflowExecutionStatus {
	s.t.Helper()
	d, err := s.tc.DescribeWorkflowExecution(context.Background(), workflowID, "")
	if err != nil {
		s.t.Fatal(err)
	}
	return d.GetWorkflowExecutionInfo().GetStatus()
}

// TestATerminatedNoticeIsDeliveredAfterAll: an admins' notice retrying while
// SendGrid is down, terminated from Temporal, is started again by the
// reconciler and reaches the admin once SendGrid is back (it used to be
// dropped unsaid); a notice cancelled beside it stays cancelled (ops' way
// to stop one), and a second pass restarts nothing.
func TestATerminatedNoticeIsDeliveredAfterAll(t *testing.T) {
	s := newStack(t)
	s.opsMail = "ops@loja.test"
	s.start(true)
	var ids, codes, notices []string
	for _, page := range []string{"page-notice-term", "page-notice-cancel"} {
		ids = append(ids, s.acknowledged(s.channel("messenger", "", page+"-"+s.account[:8])))
		codes = append(codes, s.lastCode())
	}
	s.sg.SetStatuses(http.StatusServiceUnavailable)
	for i, id := range ids {
		s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": codes[i]}), 200, "")
		notice := workflows.NoticeID(domain.NoticeAdmins, s.runOf(id))
		s.pendingActivity(notice, "NotifyAdmins")
		notices = append(notices, notice)
	}
	terminated, cancelled := notices[0], notices[1]
	s.terminateRun(terminated)
	if err := s.tc.CancelWorkflow(context.Background(), cancelled, ""); err != nil {
		t.Fatal(err)
	}
	s.sg.SetStatuses(http.StatusAccepted)
	s.eventually(func() bool { return s.latestStatus(cancelled) == enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED })

	// Passes until visibility lists the terminated run (a moment after it closed).
	s.eventually(func() bool {
		changed := s.reconcileOnce()
		if changed[cancelled] != "" {
			t.Fatalf("the reconciler changed %v; want the cancelled %s left alone", changed, cancelled)
		}
		return changed[terminated] == app.Restarted
	})
	s.eventually(func() bool { return s.latestStatus(terminated) == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED })
	if n := s.notices()[s.adminEmail()]; n != 1 {
		t.Fatalf("the admin got %d notices, want the terminated one's, once", n)
	}
	if !strings.Contains(s.auditActions(ids[0]), `"admin_notified"`) {
		t.Fatalf("the restarted notice left no admin_notified: %s", s.auditActions(ids[0]))
	}
	if again := s.reconcileOnce(); len(again) != 0 {
		t.Fatalf("a second pass changed %v", again)
	}
	if n := s.notices()[s.adminEmail()]; n != 1 {
		t.Fatalf("the admin got %d notices after a second pass", n)
	}
}

// offboarded is coexistence's ACCOUNT_OFFBOARDED for a WABA (the entry's id).
func offboarded(waba string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":%q,"time":%d,`+
		`"changes":[{"field":"account_update","value":{"event":"ACCOUNT_OFFBOARDED"}}]}]}`, waba, time.Now().Unix())
}

// TestOpsStopAMetaDeliveryAtEachWait: a delivery's run (MetaAccessLostWorkflow)
// cancelled, or terminated, while it waits on the database (the worker cut
// off Postgres) to disconnect the WABA's channels, or to mark an offboarding
// processed, is started again by the reconciler once the database is back:
// the channel reads disconnected (API), the admins are told once, the
// delivery is processed, and `ops reconcile` says it restarted it. It used
// to stay undone for good (Meta's retries of the delivery find its id taken).
func TestOpsStopAMetaDeliveryAtEachWait(t *testing.T) {
	s := newStack(t)
	proxy := s.workerThroughProxy()
	s.start(true)
	for i, c := range []struct {
		wait     string // the activity the run waits on
		event    string
		terminal bool // terminate, else cancel
	}{
		{"DisconnectChannels", "PARTNER_REMOVED", false},
		{"DisconnectChannels", "PARTNER_REMOVED", true},
		{"MarkDeliveryProcessed", "ACCOUNT_OFFBOARDED", false},
		{"MarkDeliveryProcessed", "ACCOUNT_OFFBOARDED", true},
	} {
		name := fmt.Sprintf("%s/%s/terminate=%v", c.wait, c.event, c.terminal)
		waba := fmt.Sprintf("WSTOP%d-%s", i, s.account[:8])
		ch := s.channel("whatsapp_cloud", waba, "")
		body := accountUpdate(c.event, waba)
		if c.event == "ACCOUNT_OFFBOARDED" {
			body = offboarded(waba)
		}
		before := len(s.sg.Sent())
		proxy.Cut()
		s.want(s.deliver(body, sign(body)), 200, "")
		run := workflows.MetaDeliveryID(deliveryID(body))
		s.pendingActivity(run, c.wait)
		if c.terminal {
			s.terminateRun(run)
		} else { // its notice may still run: the run alone is awaited
			if err := s.tc.CancelWorkflow(context.Background(), run, ""); err != nil {
				t.Fatal(err)
			}
			s.eventually(func() bool { return s.latestStatus(run) == enumspb.WORKFLOW_EXECUTION_STATUS_CANCELED })
		}
		proxy.Restore()
		// The reconciler finds stopped carriers through Temporal's visibility,
		// which may list a run closed a moment ago only a moment later: its
		// next pass (a minute later in production) restarts it.
		s.eventually(func() bool { return s.reconcileOnce()[run] == app.Restarted })
		s.eventually(func() bool { return s.latestStatus(run) == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED })
		var processed bool
		if err := s.store.DB().Get(&processed, `SELECT processed_at IS NOT NULL FROM meta_webhook_deliveries WHERE id = $1`, deliveryID(body)); err != nil || !processed {
			t.Fatalf("%s: delivery processed %v (%v)", name, processed, err)
		}
		want := "disconnected"
		if c.event == "ACCOUNT_OFFBOARDED" {
			want = domain.ChannelActive
		}
		if r := s.want(s.do("GET", "/v1/channels/"+ch, s.adminToken, nil), 200, ""); r.str("status") != want {
			t.Fatalf("%s: the channel reads %s", name, r.Raw)
		}
		var by string // the channel's record of who disconnected it
		s.store.DB().Get(&by, `SELECT delivery_id FROM channel_disconnections WHERE channel_id = $1`, ch)
		if (want == "disconnected") != (by == deliveryID(body)) {
			t.Fatalf("%s: channel_disconnections names %q", name, by)
		}
		// The admins are told once (the notice's own run goes on; wait for its mail).
		told := func() int {
			n := 0
			for _, m := range s.sg.Sent()[before:] {
				if m.To == s.adminEmail() {
					n++
				}
			}
			return n
		}
		s.eventually(func() bool { return told() > 0 })
		if again := s.reconcileOnce(); again[run] != "" {
			t.Fatalf("%s: a second pass changed %v", name, again)
		}
		if told := told(); told != 1 {
			t.Fatalf("%s: the admin was told %d times", name, told)
		}
	}
}

// TestATerminatedDeliveryWaitingForAWorkerIsCarriedOut: a delivery's run
// terminated before any worker took it (the workers down for a deploy) is
// started again by the reconciler, and the channel reads disconnected with
// its admins told once.
func TestATerminatedDeliveryWaitingForAWorkerIsCarriedOut(t *testing.T) {
	s := newStack(t)
	s.start(true)
	waba := "WNOWORKER-" + s.account[:8]
	ch := s.channel("whatsapp_cloud", waba, "")
	s.w.Stop()
	s.w = nil
	body := accountUpdate("PARTNER_REMOVED", waba)
	s.want(s.deliver(body, sign(body)), 200, "")
	run := workflows.MetaDeliveryID(deliveryID(body))
	s.terminateRun(run)
	s.eventually(func() bool { return s.reconcileOnce()[run] == app.Restarted }) // once visibility lists it
	s.startWorker()
	s.eventually(func() bool { return s.latestStatus(run) == enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED })
	if st := s.channelStatus(ch); st != "disconnected" {
		t.Fatalf("the channel is %s", st)
	}
	s.eventually(func() bool { return len(s.disconnectionNotices()[s.adminEmail()]) > 0 })
	if n := len(s.disconnectionNotices()[s.adminEmail()]); n != 1 {
		t.Fatalf("the admin was told %d times", n)
	}
}
