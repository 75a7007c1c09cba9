package activities_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
)

func TestDeleteChannelTombstonesOnceAndLeavesConversationsAlone(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("whatsapp_cloud", "W1", "")
	e.must(e.b.Conversation("", e.account, ch, e.contact, "closed"))
	e.must(e.b.Reference("", e.account, "automation", "A", ch))
	e.must(e.b.Reference("", e.account, "chatbot", "C", ch))
	db := e.store.DB()
	var xminBefore string
	db.Get(&xminBefore, `SELECT string_agg(xmin::text, ',') FROM conversations WHERE channel_id = $1`, ch)

	r1, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)})
	if err != nil || !r1.Subscription {
		t.Fatalf("first delete: %+v %v", r1, err)
	}
	r2, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)})
	if err != nil || !r2.Subscription {
		t.Fatalf("second delete must change nothing: %+v %v", r2, err)
	}
	var st struct {
		Status string `db:"status"`
		Creds  int    `db:"creds"`
		Refs   int    `db:"refs"`
		Det    int    `db:"det"`
		Token  string `db:"token"`
		Audit  int    `db:"audit"`
	}
	err = db.Get(&st, `SELECT
		(SELECT status FROM channels WHERE id = $1) AS status,
		(SELECT count(*) FROM channel_credentials WHERE channel_id = $1) AS creds,
		(SELECT count(*) FROM channel_references WHERE channel_id = $1) AS refs,
		(SELECT count(*) FROM channel_references WHERE detached_channel_id = $1) AS det,
		(SELECT access_token FROM meta_unlinks WHERE channel_id = $1) AS token,
		(SELECT count(*) FROM removal_audit_log WHERE channel_id = $1 AND action = 'channel_removed') AS audit`, ch)
	if err != nil || st.Status != "removed" || st.Creds != 0 || st.Refs != 0 || st.Det != 2 || st.Token != "tok-whatsapp_cloudW1" || st.Audit != 1 {
		t.Fatalf("tombstone: %+v %v", st, err)
	}
	var xminAfter string
	db.Get(&xminAfter, `SELECT string_agg(xmin::text, ',') FROM conversations WHERE channel_id = $1`, ch)
	if xminAfter != xminBefore {
		t.Fatal("a conversation row was rewritten by the removal")
	}
	convs, _ := e.store.Conversations(e.ctx, ch, 10)
	if len(convs) != 1 || !convs[0].ChannelRemoved {
		t.Fatalf("conversations must read as channel_removed: %+v", convs)
	}
	if _, err := db.Exec(`UPDATE channels SET status = 'active', removed_at = NULL WHERE id = $1`, ch); err == nil {
		t.Fatal("a tombstone was re-activated")
	}
	if _, err := db.Exec(`DELETE FROM removal_audit_log`); err == nil {
		t.Fatal("audit log accepted a delete")
	}
}

func TestDeleteChannelRefusesAnAttendanceOpenedAfterPreflight(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P1")
	res, err := e.acts.Preflight(e.ctx, activities.PreflightInput{Step: e.step(ch), RequestedBy: e.admin, Decided: preflightDocs()})
	if err != nil || !res.OK {
		t.Fatalf("preflight: %+v %v", res, err)
	}
	e.must(e.b.Conversation("", e.account, ch, e.contact, "open")) // a customer writes in meanwhile
	d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)})
	if err != nil || d.Outcome() != domain.OutcomeAttendanceOpened || len(d.Refused.ActiveAttendances) != 1 {
		t.Fatalf("refused: %+v %v", d, err)
	}
	c, _ := e.store.Channel(e.ctx, ch)
	var creds int
	e.store.DB().Get(&creds, `SELECT count(*) FROM channel_credentials WHERE channel_id = $1`, ch)
	if c.Status != "active" || creds != 1 {
		t.Fatal("a refused removal changed the channel")
	}
}

func (e *env) removed(kind, waba, page string) string {
	ch := e.channel(kind, waba, page)
	// With the run's row, as a workflow's tombstone writes it: the Meta attempts move on from it.
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)}); err != nil {
		e.t.Fatal(err)
	}
	return ch
}

// unsubscribe makes the next attempt at ch's subscription, numbered as the
// workflow numbers them, with the document and plan a workflow hands.
func (e *env) unsubscribe(ch string) (activities.AttemptResult, error) {
	u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
	return e.acts.Unsubscribe(e.ctx, e.attemptAt(ch, domain.PartSubscription, u.Attempts+1))
}

// attempts is how many attempts ch's unlink job counted.
func (e *env) attempts(ch string) int {
	u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
	return u.Attempts
}

// attemptAt is the input a workflow hands attempt n at part p of ch: ids
// and the plan (domain.AttemptPlan), owed as its jobs stand.
func (e *env) attemptAt(ch string, p domain.MetaPart, n int) activities.AttemptInput {
	st := e.step(ch)
	u, _, _ := e.store.UnlinkJob(e.ctx, st.RemovalID, "run-1")
	owed := domain.MetaOwed{Subscription: u.Status != "", Number: u.NumberStatus != "", Override: u.OverrideStatus != "",
		CreditLine: u.CreditStatus != ""}
	return activities.AttemptInput{Step: st, Attempt: n, Plan: domain.AttemptPlan{Part: p, UnlinkAttempts: n, Owed: owed, At: time.Now()}}
}

func TestUnsubscribe(t *testing.T) {
	t.Run("waba unsubscribed with the channel token, token erased", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("whatsapp_cloud", "W1", "")
		r, err := e.unsubscribe(ch)
		if err != nil || r.Outcome != domain.OutcomeDone || e.attempts(ch) != 1 || !e.graph.Unsubscribed("W1") {
			t.Fatalf("%+v %v", r, err)
		}
		calls := e.graph.Calls()
		if len(calls) != 1 || calls[0].Path != "/v23.0/W1/subscribed_apps" || !calls[0].HasToken {
			t.Fatalf("calls: %+v", calls)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.AccessToken != "" {
			t.Fatal("token kept after unlink")
		}
		if r2, _ := e.unsubscribe(ch); r2.Outcome != domain.OutcomeDone || len(e.graph.Calls()) != 1 {
			t.Fatal("a settled unlink called Meta again")
		}
	})
	t.Run("messenger page", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("messenger", "", "P1")
		if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomeDone || !e.graph.Unsubscribed("P1") {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("code 2 is transient, then success", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("whatsapp_cloud", "W1", "")
		e.graph.FailNext(1, graphsim.Failure{HTTPStatus: 500, Code: 2, Message: "Service temporarily unavailable"})
		if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomeTransient || !strings.Contains(r.Error, "código 2") {
			t.Fatalf("%+v %v", r, err)
		}
		r, err := e.unsubscribe(ch)
		if err != nil || r.Outcome != domain.OutcomeDone || e.attempts(ch) != 2 {
			t.Fatalf("%+v %v", r, err)
		}
	})
	t.Run("an attempt recorded before a crash is answered from its record", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("whatsapp_cloud", "W1", "")
		e.graph.FailNext(1, graphsim.Failure{HTTPStatus: 500, Code: 2})
		first, _ := e.unsubscribe(ch)
		again, err := e.acts.Unsubscribe(e.ctx, e.attemptAt(ch, domain.PartSubscription, 1))
		if err != nil || again != first || len(e.graph.Calls()) != 1 || e.attempts(ch) != 1 {
			t.Fatalf("attempt 1 again: %+v (first %+v) %v, calls %d", again, first, err, len(e.graph.Calls()))
		}
	})
	t.Run("transient classification", func(t *testing.T) {
		for _, f := range []graphsim.Failure{{HTTPStatus: 400, Code: 4}, {HTTPStatus: 400, Code: 80004}, {HTTPStatus: 400, Code: 130429},
			{HTTPStatus: 429}, {HTTPStatus: 503}, {HTTPStatus: 400, Code: 613}} {
			e := newEnv(t)
			ch := e.removed("messenger", "", "P1")
			e.graph.FailNext(1, f)
			if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomeTransient {
				t.Fatalf("%+v: %+v %v", f, r, err)
			}
		}
	})
	t.Run("190 invalid token is permanent", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("whatsapp_cloud", "W1", "")
		e.graph.FailNext(1, graphsim.Failure{HTTPStatus: 401, Code: 190, Message: "Error validating access token"})
		r, err := e.unsubscribe(ch)
		if err != nil || r.Outcome != domain.OutcomePermanent || e.attempts(ch) != 1 || r.Error == "" {
			t.Fatalf("%+v %v", r, err)
		}
		for _, code := range []int{10, 200, 299} {
			e.graph.FailNext(1, graphsim.Failure{HTTPStatus: 403, Code: code, Message: fmt.Sprint("permission ", code)})
			if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomePermanent {
				t.Fatalf("code %d: %+v %v", code, r, err)
			}
		}
		if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomeDone || e.attempts(ch) != 5 {
			t.Fatalf("ops retry after a permanent failure: %+v %v", r, err)
		}
	})
	t.Run("100 already gone counts as unlinked", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("whatsapp_cloud", "W1", "")
		e.graph.MarkGone("W1")
		r, err := e.unsubscribe(ch)
		recs, _ := e.store.AuditTrail(e.ctx, e.step(ch).RemovalID)
		if err != nil || r.Outcome != domain.OutcomeDone || len(recs) < 2 || !strings.Contains(string(recs[len(recs)-2].Detail), `"outcome": "already_gone"`) {
			t.Fatalf("%+v %v %+v", r, err, recs)
		}
	})
	t.Run("shared WABA stays subscribed", func(t *testing.T) {
		e := newEnv(t)
		e.channel("whatsapp_cloud", "W1", "") // still live on W1
		ch := e.removed("whatsapp_cloud", "W1", "")
		r, err := e.unsubscribe(ch)
		if err != nil || r.Outcome != domain.OutcomeKept || len(e.graph.Calls()) != 0 {
			t.Fatalf("%+v %v calls=%d", r, err, len(e.graph.Calls()))
		}
	})
	t.Run("unofficial channel needs no unlink", func(t *testing.T) {
		e := newEnv(t)
		ch := e.channel("whatsapp_web", "", "")
		d, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)})
		if err != nil || d.Subscription || d.Number || d.Outcome() != domain.OutcomeNothingOwed {
			t.Fatalf("%+v %v", d, err)
		}
	})
	t.Run("abandon erases the token", func(t *testing.T) {
		e := newEnv(t)
		ch := e.removed("messenger", "", "P1")
		e.graph.FailNext(1, graphsim.Failure{HTTPStatus: http.StatusUnauthorized, Code: 190})
		e.unsubscribe(ch)
		if err := e.acts.AbandonUnlink(e.ctx, activities.AbandonInput{Step: e.step(ch)}); err != nil {
			t.Fatal(err)
		}
		u, _, _ := e.store.UnlinkJob(e.ctx, e.step(ch).RemovalID, "run-1")
		if u.Status != "abandoned" || u.AccessToken != "" {
			t.Fatalf("%+v", u)
		}
	})
}

// Meta takes the channel's own token, in plaintext: the unlink sends the
// token the channel was connected with, and one that is not (another
// channel's, say) is refused as Graph refuses it (190, permanent).
func TestUnlinkSendsTheChannelsOwnToken(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "PAGE-T")
	e.store.DB().MustExec(`UPDATE channel_credentials SET access_token = 'tok-of-another-channel' WHERE channel_id = $1`, ch)
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)}); err != nil {
		t.Fatal(err)
	}
	if r, err := e.unsubscribe(ch); err != nil || r.Outcome != domain.OutcomePermanent {
		t.Fatalf("another channel's token: %+v %v", r, err)
	}
	if calls := e.graph.Calls(); len(calls) != 1 || calls[0].HasToken || calls[0].OK {
		t.Fatalf("calls %+v", calls)
	}
	own := e.removed("messenger", "", "PAGE-U")
	if r, err := e.unsubscribe(own); err != nil || r.Outcome != domain.OutcomeDone {
		t.Fatalf("the channel's own token: %+v %v", r, err)
	}
}
