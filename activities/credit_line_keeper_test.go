package activities_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

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
// The cut-off channel's removal owes the kept line (postgres/removal.go,
// unrevokedCreditLine): it revokes it with our token.
func TestACreditLineKeptForAChannelMetaLaterCutOffIsStillRevoked(t *testing.T) {
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
	d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(b), Decided: e.tombstoneDocs(b)})
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
	d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(b), Decided: e.tombstoneDocs(b)})
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

// keepRacer runs between's work after the credit line's keep check read
// and before its outcome is recorded: another removal commits in between.
type keepRacer struct {
	activities.Store
	between func()
}

func (k keepRacer) RecordCreditLineAttempt(ctx context.Context, removalID, runID string, status domain.CreditLineStatus, lastError string, now time.Time, records ...domain.AuditEntry) (domain.CreditLineJob, error) {
	k.between()
	return k.Store.RecordCreditLineAttempt(ctx, removalID, runID, status, lastError, now, records...)
}

// TestTheSecondNumbersTombstoneRacingTheKeepStillOwesTheLine: as above,
// but the second number is tombstoned between the first removal's keep
// check (which saw it live) and the record of "kept": its tombstone cannot
// wait for a kept line, so it owes the line while any release of its WABA
// is unsettled, and revokes it.
func TestTheSecondNumbersTombstoneRacingTheKeepStillOwesTheLine(t *testing.T) {
	e := newEnv(t)
	e.graph.Expect("tok-race", "W-RACE", "PN-RACE")
	b := e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: "WhatsApp corrida", Kind: "whatsapp_cloud",
		WABAID: "W-RACE", PhoneNumberID: "PN-RACE", Token: "tok-race"}))
	a, _ := e.onCredit("W-RACE", "CFG-RACE")
	e.unsubscribe(a)
	var d activities.DeleteResult
	acts := *e.acts
	acts.Store = keepRacer{Store: e.acts.Store, between: func() {
		var err error
		if d, err = e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(b), Decided: e.tombstoneDocs(b)}); err != nil {
			t.Error(err)
		}
	}}
	u, _, _ := e.store.UnlinkJob(e.ctx, e.step(a).RemovalID, "run-1")
	if r, err := acts.RevokeCreditLine(e.ctx, e.attemptAt(a, domain.PartCreditLine, u.CreditAttempts+1)); err != nil || r.Outcome != domain.OutcomeKept {
		t.Fatalf("first removal: %+v %v", r, err)
	}
	if !d.CreditLine {
		t.Fatalf("the second number's tombstone, racing the keep, does not owe the line: %+v", d)
	}
	e.unsubscribe(b)
	if r, err := e.revoke(b); err != nil || r.Outcome != domain.OutcomeDone || e.graph.CreditLineShared("W-RACE") {
		t.Fatalf("second removal: %+v %v", r, err)
	}
}

// TestTheKeepCheckWaitsForATombstoneInFlight: the first removal's keep
// check runs while the second number's tombstone holds its row (a tombstone
// that read before the first removal's release existed, so owes nothing).
// The check waits for it, sees the number removed and revokes: it never
// keeps the line for a channel whose tombstone then commits.
func TestTheKeepCheckWaitsForATombstoneInFlight(t *testing.T) {
	e := newEnv(t)
	e.graph.Expect("tok-wait", "W-WAIT", "PN-WAIT")
	b := e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: "WhatsApp em remoção", Kind: "whatsapp_cloud",
		WABAID: "W-WAIT", PhoneNumberID: "PN-WAIT", Token: "tok-wait"}))
	a, _ := e.onCredit("W-WAIT", "CFG-WAIT")
	e.unsubscribe(a)
	// Its own pool: the store's may be all taken by the waiting check.
	db, err := sqlx.Open("postgres", e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	if _, err := tx.Exec(`SELECT 1 FROM channels WHERE id = $1 FOR UPDATE`, b); err != nil {
		t.Fatal(err)
	}
	type result struct {
		r   activities.AttemptResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := e.revoke(a)
		done <- result{r, err}
	}()
	var early *result
	for early == nil {
		select {
		case r := <-done:
			early = &r
		default:
		}
		var waiting int
		if err := db.Get(&waiting, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE 'SELECT k.removal_id, k.run_id,%'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		time.Sleep(5 * time.Millisecond) // polling the server's state, not a timed assertion
	}
	if _, err := tx.Exec(`UPDATE channels SET status = 'removed', removed_at = now() WHERE id = $1`, b); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	res := early
	if res == nil {
		r := <-done
		res = &r
	}
	if res.err != nil || res.r.Outcome != domain.OutcomeDone || e.graph.CreditLineShared("W-WAIT") {
		t.Fatalf("the keep check did not wait for the tombstone in flight: %+v %v (still shared: %v)",
			res.r, res.err, e.graph.CreditLineShared("W-WAIT"))
	}
}
