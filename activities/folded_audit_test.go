package activities_test

import (
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
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

// preflightDocs are documents for the preflight's verdicts as the workflow decides them.
func preflightDocs() domain.Decided {
	now := time.Now()
	return domain.Decided{
		domain.OutcomePassed:   {Status: domain.StatusAwaitingAcknowledgement, AttemptsLeft: domain.MaxCodeAttempts, Notes: []string{}},
		domain.OutcomeRejected: {Status: domain.StatusRejected, Notes: []string{}, CompletedAt: &now},
	}
}

// stepDocs is the document a step with one outcome leads to.
func stepDocs(o domain.Outcome, s domain.Status) domain.Decided {
	return domain.Decided{o: {Status: s, Notes: []string{}}}
}

// checkDocs are the documents for a code check's outcomes.
func checkDocs() domain.Decided {
	return domain.Decided{domain.OutcomeVerified: {Status: domain.StatusRemoving, Notes: []string{}},
		domain.OutcomeWrongCode: {Status: domain.StatusAwaitingCode, Notes: []string{}}}
}

// tombstoneDocs are documents for the tombstone's outcomes as the workflow decides them.
func (e *env) tombstoneDocs(ch string) domain.Decided {
	st := e.step(ch)
	doc := func(s domain.Status, u domain.UnlinkStatus) domain.Removal {
		return domain.Removal{ID: st.RemovalID, RunID: st.RunID, ChannelID: ch, AccountID: e.account, Status: s,
			MetaUnlink: domain.MetaUnlink{Status: u}, Notes: []string{}}
	}
	done := domain.Complete(doc(domain.StatusUnlinking, domain.UnlinkDone), time.Now())
	return domain.Decided{domain.OutcomeUnlinkOwed: doc(domain.StatusUnlinking, domain.UnlinkUnlinking), domain.OutcomeNothingOwed: done,
		domain.OutcomeMetaAccessLost: done}
}

// tombstoned tombstones ch, the run's row naming it name (the impact a
// notice reads from the row), and returns its step.
func (e *env) tombstoned(ch, name string) activities.Step {
	e.t.Helper()
	st := e.step(ch)
	decided := e.tombstoneDocs(ch)
	for o, doc := range decided {
		doc.Impact = &domain.Impact{ChannelName: name, Kind: domain.KindWhatsAppCloud}
		decided[o] = doc
	}
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: st, Decided: decided}); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// The acknowledgement and the final record ride on the activities that already
// run at those steps (no RecordAudit activity on the happy path), and retries
// write each once.
func TestAuditRecordsFoldedIntoTheStepsActivities(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("email", "", "")
	st := e.step(ch)
	for i := 0; i < 2; i++ { // a retried send
		if _, err := e.acts.SendVerificationCode(e.ctx, activities.SendCodeInput{Step: st, ChannelName: "E-mail", Seq: 1, Acknowledged: true, Decided: stepDocs(domain.OutcomeCodeSent, domain.StatusAwaitingCode)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.trail(st.RemovalID); got != "acknowledged,code_sent" {
		t.Fatalf("after send: %s", got)
	}
	for i := 0; i < 2; i++ { // a retried tombstone
		if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: st, Decided: e.tombstoneDocs(ch)}); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.trail(st.RemovalID); got != "acknowledged,code_sent,channel_removed,removal_completed" {
		t.Fatalf("unofficial channel, nothing owed: %s", got)
	}

	// An official channel: the tombstone owes an unlink, so the unlink finishes.
	wa := e.channel("whatsapp_cloud", "W-FOLD", "")
	sw := e.step(wa)
	if r, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: sw, Decided: e.tombstoneDocs(wa)}); err != nil || !r.Subscription {
		t.Fatalf("%+v %v", r, err)
	}
	if got := e.trail(sw.RemovalID); got != "channel_removed" {
		t.Fatalf("official channel after the tombstone: %s", got)
	}
	for i := 0; i < 2; i++ {
		if _, err := e.unsubscribe(wa); err != nil {
			t.Fatal(err)
		}
	}
	if got := e.trail(sw.RemovalID); got != "channel_removed,meta_unlinked,removal_completed" {
		t.Fatalf("official channel after the unlink: %s", got)
	}
}

// A settled unlink is recorded in one statement with its audit records: if
// they cannot be written, the unlink is not recorded either (the token stays
// for the retry), and the retry, which finds Meta's answer in the call's
// intent and calls nothing, records it with meta_unlinked and
// removal_completed, in that order.
func TestSettledUnlinkIsRecordedOnlyWithItsAuditRecords(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P-SETTLE")
	st := e.step(ch)
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: st, Decided: e.tombstoneDocs(ch)}); err != nil {
		t.Fatal(err)
	}
	db := e.store.DB()
	db.MustExec(`CREATE FUNCTION refuse_unlinked() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN IF NEW.action = 'removal_completed' THEN RAISE EXCEPTION 'audit unavailable'; END IF; RETURN NEW; END $$`)
	db.MustExec(`CREATE TRIGGER refuse_unlinked BEFORE INSERT ON removal_audit_log FOR EACH ROW EXECUTE FUNCTION refuse_unlinked()`)
	if _, err := e.unsubscribe(ch); err == nil {
		t.Fatal("an unlink whose records cannot be written must fail")
	}
	if u, _, _ := e.store.UnlinkJob(e.ctx, st.RemovalID, st.RunID); u.Status != "pending" || u.Attempts != 0 || u.AccessToken == "" {
		t.Fatalf("the unlink was recorded without its records: %+v", u)
	}
	db.MustExec(`DROP TRIGGER refuse_unlinked ON removal_audit_log`)
	if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomeDone || e.attempts(ch) != 1 {
		t.Fatalf("retry: %+v %v", r, err)
	}
	if got := e.trail(st.RemovalID); got != "channel_removed,meta_unlinked,removal_completed" {
		t.Fatalf("audit: %s", got)
	}
	if len(e.graph.Calls()) != 1 {
		t.Fatalf("Meta calls: %d, want the first try's alone", len(e.graph.Calls()))
	}
	rec, err := e.store.RemovalRun(e.ctx, st.RemovalID, st.RunID)
	if err != nil || rec.Status != "completed" || rec.CompletedAt == nil || !strings.Contains(string(rec.Doc), `"status": "unlinked"`) {
		t.Fatalf("read model: %+v %s %v", rec, rec.Doc, err)
	}
}
