package activities_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
)

// partnerToken is our business's system-user token (META_PARTNER_TOKEN),
// the only one the simulator's allocation configs answer.
const partnerToken = "partner-system-user-token"

// onCredit makes a WhatsApp channel on waba whose WABA shares our credit
// line (allocation config cfg, in Postgres and in the simulator), and
// tombstones it.
func (e *env) onCredit(waba, cfg string) (string, activities.DeleteResult) {
	e.t.Helper()
	token := "tok-credit-" + waba
	e.graph.Expect(token, waba, "PN-"+waba)
	e.graph.ShareCreditLine(cfg, waba)
	ch := e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: "WhatsApp " + waba, Kind: "whatsapp_cloud",
		WABAID: waba, PhoneNumberID: "PN-" + waba, Token: token, CreditAllocation: cfg}))
	d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)})
	if err != nil {
		e.t.Fatal(err)
	}
	return ch, d
}

// revoke makes the next attempt at ch's credit line, numbered as the workflow numbers them.
func (e *env) revoke(ch string) (activities.AttemptResult, error) {
	u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
	return e.acts.RevokeCreditLine(e.ctx, e.attemptAt(ch, domain.PartCreditLine, u.CreditAttempts+1))
}

func TestRevokeCreditLine(t *testing.T) {
	t.Run("revoked against the simulator with our business's token, once, no channel token kept", func(t *testing.T) {
		e := newEnv(t)
		ch, d := e.onCredit("W-CL", "CFG-1")
		if !d.CreditLine || !d.Owed().CreditLine {
			t.Fatalf("the tombstone did not owe the credit line: %+v", d)
		}
		e.unsubscribe(ch)
		r, err := e.revoke(ch)
		if err != nil || r.Outcome != domain.OutcomeDone || e.graph.CreditLineShared("W-CL") {
			t.Fatalf("%+v %v", r, err)
		}
		calls := e.graph.Calls()
		if last := calls[len(calls)-1]; last.Method != http.MethodDelete || last.Path != "/v23.0/CFG-1" || !last.OK {
			t.Fatalf("calls: %+v", calls)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.CreditStatus != domain.CreditLineRevoked || u.CreditToken != "" || u.CreditAttempts != 1 {
			t.Fatalf("job: %+v", u)
		}
		if again, err := e.revoke(ch); err != nil || again.Outcome != domain.OutcomeDone || len(e.graph.Calls()) != len(calls) {
			t.Fatalf("a settled revocation called Meta again: %+v %v", again, err)
		}
		var n int
		e.store.DB().Get(&n, `SELECT count(*) FROM removal_audit_log WHERE action = 'credit_line_revoked' AND removal_id = $1`, e.step(ch).RemovalID)
		if n != 1 {
			t.Fatalf("%d credit_line_revoked records", n)
		}
	})
	t.Run("without META_PARTNER_TOKEN: permanent, says what to set, Meta not called, the line still shared", func(t *testing.T) {
		e := newEnv(t)
		e.acts.PartnerToken = ""
		ch, _ := e.onCredit("W-NOP", "CFG-NOP")
		e.unsubscribe(ch)
		calls := len(e.graph.Calls())
		r, err := e.revoke(ch)
		if err != nil || r.Outcome != domain.OutcomePermanent || !strings.Contains(r.Error, "META_PARTNER_TOKEN") ||
			len(e.graph.Calls()) != calls || !e.graph.CreditLineShared("W-NOP") {
			t.Fatalf("%+v %v", r, err)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.CreditStatus != domain.CreditLineFailed || !strings.Contains(u.CreditLastError, "META_PARTNER_TOKEN") {
			t.Fatalf("job: %+v", u)
		}
	})
	t.Run("a WABA not on our credit line owes none", func(t *testing.T) {
		e := newEnv(t)
		ch := e.channel("whatsapp_cloud", "W-PLAIN", "")
		d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)})
		if err != nil || d.CreditLine {
			t.Fatalf("%+v %v", d, err)
		}
	})
	t.Run("kept while another live channel uses the WABA", func(t *testing.T) {
		e := newEnv(t)
		e.channel("whatsapp_cloud", "W-SH", "")
		ch, _ := e.onCredit("W-SH", "CFG-2")
		r, err := e.revoke(ch)
		if err != nil || r.Outcome != domain.OutcomeKept || !e.graph.CreditLineShared("W-SH") {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("kept while a live channel on another WABA of the same allocation config needs it", func(t *testing.T) {
		// Meta: a revocation applies to every WABA of the client's business
		// shared with us; revoking for one would cut the other off.
		e := newEnv(t)
		sibling := e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: "WhatsApp W-B", Kind: "whatsapp_cloud",
			WABAID: "W-B", PhoneNumberID: "PN-W-B", Token: "tok-W-B", CreditAllocation: "CFG-BIZ"}))
		ch, _ := e.onCredit("W-A", "CFG-BIZ")
		e.unsubscribe(ch)
		if r, err := e.revoke(ch); err != nil || r.Outcome != domain.OutcomeKept || !e.graph.CreditLineShared("W-A") {
			t.Fatalf("%+v %v", r, err)
		}
		// Once the sibling is cut off too, a later run owes the revocation.
		e.store.DB().MustExec(`UPDATE channels SET status = 'disconnected' WHERE id = $1`, sibling)
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.CreditOtherLive != 0 {
			t.Fatalf("a disconnected sibling still counts: %+v", u)
		}
	})
	t.Run("classified as every Graph call: transient, permanent, already revoked", func(t *testing.T) {
		e := newEnv(t)
		ch, _ := e.onCredit("W-F", "CFG-3")
		e.graph.FailObject("CFG-3", graphsim.Failure{HTTPStatus: http.StatusServiceUnavailable, Code: 2, Message: "unavailable"})
		if r, err := e.revoke(ch); err != nil || r.Outcome != domain.OutcomeTransient || !strings.HasPrefix(r.Error, domain.CreditLineFailureText) {
			t.Fatalf("transient: %+v %v", r, err)
		}
		e.graph.ClearFailures()
		e.graph.FailObject("CFG-3", graphsim.Failure{HTTPStatus: http.StatusForbidden, Code: 200, Message: "Permissions error"})
		if r, err := e.revoke(ch); err != nil || r.Outcome != domain.OutcomePermanent {
			t.Fatalf("permanent: %+v %v", r, err)
		}
		e.graph.ClearFailures()
		e.graph.FailObject("CFG-3", graphsim.Failure{HTTPStatus: http.StatusUnauthorized, Code: 190, Message: "Error validating access token"})
		if r, err := e.revoke(ch); err != nil || r.Outcome != domain.OutcomePermanent || !strings.Contains(r.Error, "META_PARTNER_TOKEN") ||
			strings.Contains(r.Error, "reconecte o canal") {
			t.Fatalf("our token refused, ops told to reconnect the channel: %+v %v", r, err)
		}
		e.graph.ClearFailures()
		e.graph.RevokeInBusinessSuite("CFG-3") // ops revoked it by hand meanwhile
		if r, err := e.revoke(ch); err != nil || r.Outcome != domain.OutcomeDone {
			t.Fatalf("already revoked: %+v %v", r, err)
		}
	})
	t.Run("abandoned with the unlink after the window", func(t *testing.T) {
		e := newEnv(t)
		ch, _ := e.onCredit("W-AB", "CFG-4")
		if err := e.acts.AbandonUnlink(e.ctx, activities.AbandonInput{Step: e.step(ch)}); err != nil {
			t.Fatal(err)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.CreditStatus != domain.CreditLineAbandoned || u.CreditToken != "" {
			t.Fatalf("job: %+v", u)
		}
	})
}
