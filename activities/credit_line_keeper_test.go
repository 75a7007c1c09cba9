package activities_test

import (
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
)

// TestACreditLineKeptForAChannelMetaLaterCutOffIsStillRevoked: a client
// business's two channels, on two WABAs sharing one allocation config of our
// credit line. The first is removed while the second is live: its removal
// keeps the line (settled, kept). Meta then cuts the second off
// (PARTNER_REMOVED on its WABA only), and the admin removes it: a
// disconnected channel's removal owes Meta nothing. The first WABA is
// still ours to pay for and nobody is left to revoke the line.
//
// KNOWN GAP, not fixed (docs/deviations.md names it; the fix is a sweep of
// kept lines, see the review's report): skipped so that it documents the
// case; remove the Skip with the fix.
func TestACreditLineKeptForAChannelMetaLaterCutOffIsStillRevoked(t *testing.T) {
	t.Skip("known gap: a kept credit line whose last live user is disconnected, not removed, is never revoked")
	e := newEnv(t)
	e.graph.Expect("tok-credit-W-KB", "W-KB", "PN-W-KB")
	e.graph.ShareCreditLine("CFG-KEEP", "W-KB")
	b := e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: "WhatsApp W-KB", Kind: "whatsapp_cloud",
		WABAID: "W-KB", PhoneNumberID: "PN-W-KB", Token: "tok-credit-W-KB", CreditAllocation: "CFG-KEEP"}))
	a, _ := e.onCredit("W-KA", "CFG-KEEP") // the simulator files the config under W-KA from now on
	e.unsubscribe(a)
	if r, err := e.revoke(a); err != nil || r.Outcome != domain.OutcomeKept {
		t.Fatalf("first removal: %+v %v", r, err)
	}
	e.record("d-keep")
	if _, err := e.acts.DisconnectChannels(e.ctx, activities.DisconnectInput{DeliveryID: "d-keep",
		Event: domain.AccessLost{WABAID: "W-KB", Event: domain.EventPartnerRemoved}}); err != nil {
		t.Fatal(err)
	}
	d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(b)})
	if err != nil {
		t.Fatal(err)
	}
	if d.CreditLine {
		e.unsubscribe(b)
		e.revoke(b)
	}
	if e.graph.CreditLineShared("W-KA") {
		t.Fatalf("the line outlived both channels (second removal owed it: %v)", d.CreditLine)
	}
}

// TestACreditLineKeptForAChannelWithoutItsConfigIsRevokedWithIt: two
// numbers on one WABA, only the first recorded with the allocation config
// of our credit line (the second added later, the share made once per
// WABA). Removing the first while the second is live keeps the line, for
// the second uses it; removing the second then revokes it: the WABA's
// kept line is the second's to revoke, or nobody would.
func TestACreditLineKeptForAChannelWithoutItsConfigIsRevokedWithIt(t *testing.T) {
	e := newEnv(t)
	e.graph.Expect("tok-second", "W-SAME", "PN-SECOND")
	b := e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: "WhatsApp segundo", Kind: "whatsapp_cloud",
		WABAID: "W-SAME", PhoneNumberID: "PN-SECOND", Token: "tok-second"}))
	a, _ := e.onCredit("W-SAME", "CFG-SAME")
	e.unsubscribe(a)
	if r, err := e.revoke(a); err != nil || r.Outcome != domain.OutcomeKept {
		t.Fatalf("first removal: %+v %v", r, err)
	}
	d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(b)})
	if err != nil || !d.CreditLine || !d.Owed().CreditLine {
		t.Fatalf("the second removal does not owe the kept line: %+v %v", d, err)
	}
	e.unsubscribe(b)
	if r, err := e.revoke(b); err != nil || r.Outcome != domain.OutcomeDone || e.graph.CreditLineShared("W-SAME") {
		t.Fatalf("second removal: %+v %v (still shared: %v)", r, err, e.graph.CreditLineShared("W-SAME"))
	}
	u, _, _ := e.store.UnlinkJob(e.ctx, e.step(b).RemovalID, "run-1")
	if u.CreditConfigID != "CFG-SAME" || u.CreditStatus != domain.CreditLineRevoked {
		t.Fatalf("job: %+v", u)
	}
}
