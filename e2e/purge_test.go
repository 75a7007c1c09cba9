package e2e

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// The purge a removal chose (SPEC §8): on its date, cancelled, moved, held,
// killed mid-batch.

// removeChoosing runs a removal of ch choosing purge_after_days, to its end.
func (s *stack) removeChoosing(ch string, days int) (id string, done resp) {
	s.t.Helper()
	id = s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	ack := s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken,
		map[string]any{"acknowledged": true, "purge_after_days": days}), 200, "")
	if rt := retention(ack); days > 0 && (rt["status"] != "scheduled" || rt["purge_after_days"] != float64(days)) {
		s.t.Fatalf("acknowledged: retention %v", rt)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	return id, s.until(id, "completed", "completed_with_warnings")
}

func retention(r resp) map[string]any {
	rt, _ := r.Body["retention"].(map[string]any)
	return rt
}

// purgeStatus polls the channel page until its retention is in one of want.
func (s *stack) purgeStatus(ch string, want ...string) map[string]any {
	s.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var r resp
	for time.Now().Before(deadline) {
		r = s.want(s.do("GET", "/v1/channels/"+ch, s.adminToken, nil), 200, "")
		for _, w := range want {
			if retention(r)["status"] == w {
				return retention(r)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.t.Fatalf("channel %s's purge never reached %v: %s", ch, want, r.Raw)
	return nil
}

// messagesOf counts the messages left on the channel's conversations.
func (s *stack) messagesOf(ch string) int {
	s.t.Helper()
	var n int
	if err := s.store.DB().Get(&n, `SELECT count(*) FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE v.channel_id = $1`, ch); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// purgeNotices counts, by recipient, the notices before (soon) or after a purge.
func (s *stack) purgeNotices(soon bool) map[string]int {
	n := map[string]int{}
	for _, m := range s.sg.Sent() {
		if (soon && strings.Contains(m.Subject, "serão apagadas em")) || (!soon && strings.HasSuffix(m.Subject, "foram apagadas")) {
			n[m.To]++
		}
	}
	return n
}

// TestThePurgeRunsOnItsDateAndKeepsTheConversations: a removal that chose 30
// days (of 200 ms here) has, on the date, its channel's messages deleted and
// its conversations kept, marked messages_purged; every admin was told once
// before and once after; the audit trail keeps every step with the counts;
// another channel's messages are untouched.
func TestThePurgeRunsOnItsDateAndKeepsTheConversations(t *testing.T) {
	s := newStack(t)
	s.retentionDay = 200 * time.Millisecond
	s.start(true)
	second := s.must(s.b.User("", s.account, "admin2-"+s.account[:8]+"@loja.test", "Admin 2", "admin"))
	_ = second
	ch := s.channel("messenger", "", "page-purge")
	convs := s.conversationsWith(ch, 3)
	other := s.channel("messenger", "", "page-kept")
	s.conversationsWith(other, 2)
	total := len(convs) * (len(tricky) + 1)

	id, done := s.removeChoosing(ch, 30)
	rt := retention(done)
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(rt["purge_at"]))
	if err != nil || rt["status"] != "scheduled" {
		t.Fatalf("the removal's retention: %v", rt)
	}
	if d := time.Until(at); d <= 0 || d > 30*s.retentionDay {
		t.Fatalf("purge_at %s is %s away, want within 30 retention days", at, d)
	}
	if s.messagesOf(ch) != total {
		t.Fatalf("messages purged before the date")
	}
	s.purgeStatus(ch, "purged")
	s.closed(workflows.PurgeWorkflowID(ch)) // its last step: the notice that it is done
	if soon, after := s.purgeNotices(true), s.purgeNotices(false); len(soon) != 2 || len(after) != 2 || soon[s.adminEmail()] != 1 || after[s.adminEmail()] != 1 {
		t.Fatalf("notices before %v and after %v, want one each to both admins", soon, after)
	}
	if n := s.messagesOf(ch); n != 0 {
		t.Fatalf("%d messages left after the purge", n)
	}
	if n := s.messagesOf(other); n != 2*(len(tricky)+1) {
		t.Fatalf("another channel lost messages: %d left", n)
	}
	list := s.want(s.do("GET", "/v1/channels/"+ch+"/conversations", s.adminToken, nil), 200, "")
	cl, _ := list.Body["conversations"].([]any)
	if len(cl) != len(convs) {
		t.Fatalf("conversations listed after the purge: %d, want %d", len(cl), len(convs))
	}
	for _, c := range cl {
		if c.(map[string]any)["messages_purged"] != true || c.(map[string]any)["channel_removed"] != true {
			t.Fatalf("conversation after the purge: %v", c)
		}
	}
	doc := s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 200, "")
	if rt := retention(doc); rt["status"] != "purged" || rt["purged_messages"] != float64(total) || rt["purged_conversations"] != float64(len(convs)) {
		t.Fatalf("the removal document after the purge: %v", rt)
	}
	audit := s.auditActions(id)
	for _, a := range []string{"retention_chosen", "purge_scheduled", "purge_notice_sent", "purge_started", "messages_purged", "purge_done_notified", "channel_removed"} {
		if !strings.Contains(audit, `"`+a+`"`) {
			t.Errorf("audit lacks %s: %s", a, audit)
		}
	}
	if !strings.Contains(audit, fmt.Sprintf(`"messages":%d`, total)) {
		t.Errorf("messages_purged lacks the count %d: %s", total, audit)
	}
	// The run's end: purged, its history in Temporal Web.
	var p domain.Purge
	if err := s.tc.GetWorkflow(context.Background(), workflows.PurgeWorkflowID(ch), "").Get(context.Background(), &p); err != nil || p.Status != domain.RetentionPurged {
		t.Fatalf("purge workflow: %v %+v", err, p)
	}
	s.captureHistory(workflows.PurgeWorkflowID(ch), "purge.json")
	s.captureHistory(id, "removal_with_purge.json")
}

// TestAdminsCancelAndMoveAPendingPurge: until the purge starts an admin may
// move its date or cancel it, each audited; once cancelled nothing is
// deleted and nothing more may be changed.
func TestAdminsCancelAndMoveAPendingPurge(t *testing.T) {
	s := newStack(t)
	s.retentionDay = time.Second // 30 days: 30 s, long enough to act before
	s.start(true)
	ch := s.channel("messenger", "", "page-cancel")
	s.conversationsWith(ch, 1)
	// Only the retentions the alert offers.
	id := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil), 201, "").str("id")
	for _, days := range []any{45, -30, "30"} {
		s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true, "purge_after_days": days}), 400, "invalid_request")
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/cancel", s.adminToken, nil), 200, "")
	id, _ = s.removeChoosing(ch, 30)
	s.purgeStatus(ch, "scheduled")

	later := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	moved := s.want(s.do("PUT", "/v1/channels/"+ch+"/purge", s.adminToken, map[string]any{"purge_at": later}), 200, "")
	if got := retention(moved)["purge_at"]; got != later.Format(time.RFC3339) {
		t.Fatalf("moved to %v, want %s", got, later.Format(time.RFC3339))
	}
	// A stolen session cannot hasten it past the admins' notice (7 retention
	// days, 7 s here): in the past, now, or a moment short of the lead, one
	// after another and 8 at once, each is refused and the date stays.
	for _, d := range []time.Duration{-time.Hour, 0, 4 * time.Second, 7*s.retentionDay - 500*time.Millisecond} {
		s.want(s.do("PUT", "/v1/channels/"+ch+"/purge", s.adminToken, map[string]any{"purge_at": time.Now().Add(d)}), 422, "purge_too_soon")
	}
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := s.do("PUT", "/v1/channels/"+ch+"/purge", s.adminToken, map[string]any{"purge_at": time.Now().Add(time.Second)}); r.Status != 422 {
				t.Errorf("a move 1 s ahead answered %d: %s", r.Status, r.Raw)
			}
		}()
	}
	wg.Wait()
	if got := retention(s.want(s.do("GET", "/v1/channels/"+ch, s.adminToken, nil), 200, ""))["purge_at"]; got != later.Format(time.RFC3339) {
		t.Fatalf("after the refused moves the purge is on %v, want %s", got, later.Format(time.RFC3339))
	}
	s.want(s.do("POST", "/v1/channels/"+ch+"/purge/cancel", s.agentToken, nil), 403, "forbidden")
	cancelled := s.want(s.do("POST", "/v1/channels/"+ch+"/purge/cancel", s.adminToken, nil), 200, "")
	if retention(cancelled)["status"] != "cancelled" {
		t.Fatalf("cancel answered %s", cancelled.Raw)
	}
	s.want(s.do("POST", "/v1/channels/"+ch+"/purge/cancel", s.adminToken, nil), 409, "invalid_state")
	s.want(s.do("PUT", "/v1/channels/"+ch+"/purge", s.adminToken, map[string]any{"purge_at": later}), 409, "invalid_state")
	audit := s.auditActions(id)
	if !strings.Contains(audit, `"purge_moved"`) || !strings.Contains(audit, `"purge_cancelled"`) {
		t.Fatalf("audit lacks the move or the cancellation: %s", audit)
	}
	if s.messagesOf(ch) != len(tricky)+1 {
		t.Fatal("a cancelled purge deleted messages")
	}
	s.captureHistory(workflows.PurgeWorkflowID(ch), "purge_moved_then_cancelled.json")

	// Brought forward, a purge runs on its new date.
	ch2 := s.channel("messenger", "", "page-sooner")
	s.conversationsWith(ch2, 1)
	s.removeChoosing(ch2, 90)
	s.want(s.do("PUT", "/v1/channels/"+ch2+"/purge", s.adminToken, map[string]any{"purge_at": time.Now().Add(7*s.retentionDay + time.Second)}), 200, "")
	s.purgeStatus(ch2, "purged")
	if s.messagesOf(ch2) != 0 {
		t.Fatal("the moved purge left messages")
	}
	s.closed(workflows.PurgeWorkflowID(ch2)) // and its notices, workflows of their own
	if soon := s.purgeNotices(true); soon[s.adminEmail()] != 1 {
		t.Fatalf("notices before the moved purge: %v, want one", soon)
	}
}

// TestALegalHoldStopsThePurge: a hold set by an admin, with a reason, stops
// the purge. The purge reads the hold in its own transaction: a hold written
// without telling the workflow (its signal lost, or racing the date) still
// stops it on the date. Lifted, the purge runs.
func TestALegalHoldStopsThePurge(t *testing.T) {
	s := newStack(t)
	s.retentionDay = 100 * time.Millisecond
	s.start(true)
	ch := s.channel("messenger", "", "page-hold")
	s.conversationsWith(ch, 2)
	s.want(s.do("PUT", "/v1/channels/"+ch+"/hold", s.adminToken, map[string]any{}), 400, "invalid_request")
	s.want(s.do("PUT", "/v1/channels/"+ch+"/hold", s.agentToken, map[string]any{"reason": "x"}), 403, "forbidden")
	id, _ := s.removeChoosing(ch, 30)
	// Behind the workflow's back: only the row says so.
	if err := s.store.SetHold(context.Background(), ch, &domain.Hold{Reason: "Ofício judicial", By: s.admin, At: time.Now()},
		domain.AuditEntry{RemovalID: id, AccountID: s.account, ChannelID: ch, Action: domain.ActionHoldSet, Key: "hold/test/" + ch}); err != nil {
		t.Fatal(err)
	}
	s.purgeStatus(ch, "held") // on its date (3 s), StartPurge found the hold
	if s.messagesOf(ch) != 2*(len(tricky)+1) {
		t.Fatal("the purge ran under a legal hold")
	}
	page := s.want(s.do("GET", "/v1/channels/"+ch, s.adminToken, nil), 200, "")
	h, _ := page.Body["hold"].(map[string]any)
	if h["reason"] != "Ofício judicial" {
		t.Fatalf("channel page hold: %s", page.Raw)
	}
	soon := s.purgeNotices(true)[s.adminEmail()]
	lifted := time.Now()
	s.want(s.do("DELETE", "/v1/channels/"+ch+"/hold?version="+h["version"].(string), s.adminToken, nil), 200, "")
	// Lifted after its date, the purge is moved to the lead from now, and
	// every admin is told of the new date before it runs.
	s.eventually(func() bool {
		at, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(retention(s.want(s.do("GET", "/v1/channels/"+ch, s.adminToken, nil), 200, ""))["purge_at"]))
		return !at.Before(lifted.Add(7 * s.retentionDay).Truncate(time.Second))
	})
	s.purgeStatus(ch, "purged")
	if again := s.purgeNotices(true)[s.adminEmail()]; again != soon+1 {
		t.Fatalf("notices before a purge: %d before the lift, %d after, want one more for the new date", soon, again)
	}
	if s.messagesOf(ch) != 0 {
		t.Fatal("messages left once the hold was lifted")
	}
	audit := s.auditActions(id)
	for _, a := range []string{"hold_set", "purge_held", "hold_released", "purge_resumed", "messages_purged"} {
		if !strings.Contains(audit, `"`+a+`"`) {
			t.Errorf("audit lacks %s: %s", a, audit)
		}
	}
	s.captureHistory(workflows.PurgeWorkflowID(ch), "purge_held_then_resumed.json")

	// Through the API, before the date: the purge says held at once.
	ch2 := s.channel("messenger", "", "page-hold-api")
	s.conversationsWith(ch2, 1)
	s.removeChoosing(ch2, 180) // 18 s ahead

	s.want(s.do("PUT", "/v1/channels/"+ch2+"/hold", s.adminToken, map[string]any{"reason": "Processo trabalhista 123"}), 200, "")
	s.purgeStatus(ch2, "held")
	s.want(s.do("POST", "/v1/channels/"+ch2+"/purge/cancel", s.adminToken, nil), 200, "") // a held purge may still be cancelled
	s.purgeStatus(ch2, "cancelled")
}
