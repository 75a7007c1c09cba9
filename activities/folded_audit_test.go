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

// A settled unlink is recorded in one statement with its audit records: if
// they cannot be written, the unlink is not recorded either (the token stays
// for the retry), and the retry, which Meta answers as done, records it with
// meta_unlinked and removal_completed, in that order.
func TestSettledUnlinkIsRecordedOnlyWithItsAuditRecords(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P-SETTLE")
	st := e.step(ch)
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: st, FinishIfNothingOwed: true}); err != nil {
		t.Fatal(err)
	}
	db := e.store.DB()
	db.MustExec(`CREATE FUNCTION refuse_unlinked() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.action = 'removal_completed' THEN RAISE EXCEPTION 'audit unavailable'; END IF; RETURN NEW; END $$`)
	db.MustExec(`CREATE TRIGGER refuse_unlinked BEFORE INSERT ON removal_audit_log FOR EACH ROW EXECUTE FUNCTION refuse_unlinked()`)
	if _, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: st, Finish: true}); err == nil {
		t.Fatal("an unlink whose records cannot be written must fail")
	}
	if u, _, _ := e.store.UnlinkJob(e.ctx, st.RemovalID, st.RunID); u.Status != "pending" || u.Attempts != 0 || u.AccessToken == "" {
		t.Fatalf("the unlink was recorded without its records: %+v", u)
	}
	db.MustExec(`DROP TRIGGER refuse_unlinked ON removal_audit_log`)
	if r, err := e.acts.UnlinkMeta(e.ctx, activities.UnlinkInput{Step: st, Finish: true}); err != nil || r.Status != "unlinked" || r.Attempts != 1 {
		t.Fatalf("retry: %+v %v", r, err)
	}
	if got := e.trail(st.RemovalID); got != "channel_removed,meta_unlinked,removal_completed" {
		t.Fatalf("audit: %s", got)
	}
	if len(e.graph.Calls()) != 2 {
		t.Fatalf("Meta calls: %d", len(e.graph.Calls()))
	}
	rec, err := e.store.RemovalRun(e.ctx, st.RemovalID, st.RunID)
	if err != nil || rec.Status != "completed" || rec.CompletedAt == nil || !strings.Contains(string(rec.Doc), `"status": "unlinked"`) {
		t.Fatalf("read model: %+v %s %v", rec, rec.Doc, err)
	}
}
