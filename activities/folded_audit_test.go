package activities_test

import (
	"strings"
	"testing"

	"github.com/crm/channel-removal/activities"
)

func (e *env) trail(removalID string) string {
	recs, err := e.store.AuditTrail(e.ctx, removalID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range recs {
		out = append(out, r.Action)
	}
	return strings.Join(out, ",")
}

// The acknowledgement and the final record ride on the activities that already
// run at those steps (no RecordAudit activity on the happy path), and retries
// write each once.
func TestAuditRecordsFoldedIntoTheStepsActivities(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("email", "", "")
	st := e.step(ch)
	for i := 0; i < 2; i++ { // a retried send
		if _, err := e.acts.SendVerificationCode(e.ctx, activities.SendCodeInput{Step: st, ChannelName: "E-mail", Seq: 1, Acknowledged: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.trail(st.RemovalID); got != "acknowledged,code_sent" {
		t.Fatalf("after send: %s", got)
	}
	for i := 0; i < 2; i++ { // a retried tombstone
		if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: st, FinishIfNothingOwed: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.trail(st.RemovalID); got != "acknowledged,code_sent,channel_removed,removal_completed" {
		t.Fatalf("unofficial channel, nothing owed: %s", got)
	}

	// An official channel: the tombstone owes an unlink, so the unlink finishes.
	wa := e.channel("whatsapp_cloud", "W-FOLD", "")
	sw := e.step(wa)
	if r, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: sw, FinishIfNothingOwed: true}); err != nil || !r.UnlinkPending {
		t.Fatalf("%+v %v", r, err)
	}
	if got := e.trail(sw.RemovalID); got != "channel_removed" {
		t.Fatalf("official channel after the tombstone: %s", got)
	}
	for i := 0; i < 2; i++ {
		if _, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: sw, Finish: true}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.trail(sw.RemovalID); got != "channel_removed,meta_unlinked,removal_completed" {
		t.Fatalf("official channel after the unlink: %s", got)
	}
}
