package activities_test

import (
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// Since r6 an activity's input carries ids and small facts: a Meta attempt
// moves the document the run's row holds (domain.AttemptPlan.From, After),
// and an audit record's document comes without its impact, which the row
// holds. The row here carries what only it has: a note and the impact.
func TestInputsCarryIdsTheRowHoldsTheDocument(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("whatsapp_cloud", "W-LEAN", "")
	st := e.step(ch)
	removing := domain.Removal{ID: st.RemovalID, RunID: st.RunID, ChannelID: ch, AccountID: e.account, Status: domain.StatusRemoving,
		Impact:     &domain.Impact{ChannelName: "Loja", Kind: domain.KindWhatsAppCloud, Warnings: []string{"aviso do preflight"}},
		MetaUnlink: domain.MetaUnlink{Status: domain.UnlinkNotStarted}, Notes: []string{"nota do run"}, UpdatedAt: time.Now()}
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: st, Decided: domain.Decided{domain.OutcomeUnlinkOwed: removing}}); err != nil {
		t.Fatal(err)
	}
	// A retry-unlink round's record: the unlinking document, sent without its impact.
	unlinking := domain.AttemptPlan{Owed: domain.MetaOwed{Subscription: true}, At: time.Now()}.From(removing)
	unlinking.Impact = nil
	if err := e.acts.RecordAudit(e.ctx, activities.AuditInput{Step: st, Action: domain.ActionRetryUnlinkRequested,
		Decided: domain.One(unlinking)}); err != nil {
		t.Fatal(err)
	}
	rec, err := e.store.RemovalRun(e.ctx, st.RemovalID, st.RunID)
	if doc := rec.Document(); err != nil || doc.Status != domain.StatusUnlinking || doc.Impact == nil || doc.Impact.ChannelName != "Loja" {
		t.Fatalf("the record's document lost the row's impact: %+v %v", doc, err)
	}
	res, err := e.acts.Unsubscribe(e.ctx, e.attemptAt(ch, domain.PartSubscription, 1))
	if err != nil || res.Outcome != domain.OutcomeDone {
		t.Fatalf("%+v %v", res, err)
	}
	rec, err = e.store.RemovalRun(e.ctx, st.RemovalID, st.RunID)
	doc := rec.Document()
	if err != nil || doc.Status != domain.StatusCompleted || !doc.Final() || doc.MetaUnlink.Status != domain.UnlinkDone ||
		len(doc.Notes) == 0 || doc.Notes[0] != "nota do run" || doc.Impact == nil || len(doc.Impact.Warnings) != 1 {
		t.Fatalf("the attempt did not move the row's document: %+v %v", doc, err)
	}
}
