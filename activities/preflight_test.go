package activities_test

import (
	"strings"
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

func reasons(r activities.PreflightResult) []domain.Code {
	var cs []domain.Code
	for _, x := range r.Reasons {
		cs = append(cs, x.Code)
	}
	return cs
}

func TestPreflightRejections(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("whatsapp_cloud", "W1", "")
	busy := e.channel("messenger", "", "P1")
	pending := e.channel("instagram", "", "P2")
	e.must(e.b.Conversation("", e.account, busy, e.contact, "open"))
	e.must(e.b.Conversation("", e.account, pending, e.contact, "pending"))
	other := e.must(e.b.Account("", "Outra Loja", "x@outra.test"))
	otherAdmin := e.must(e.b.User("", other, "admin@outra.test", "Outro", "admin"))
	removed := e.channel("email", "", "")
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(removed)}); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, user, channel string
		want                domain.Code
	}{
		{"agent is not admin", e.agent, ch, domain.CodeForbidden},
		{"unknown user", "00000000-0000-4000-8000-00000000dead", ch, domain.CodeForbidden},
		{"another account's channel", otherAdmin, ch, domain.CodeNotFound},
		{"missing channel", e.admin, "00000000-0000-4000-8000-00000000beef", domain.CodeNotFound},
		{"already removed", e.admin, removed, domain.CodeChannelRemoved},
		{"open attendance", e.admin, busy, domain.CodeActiveAttendances},
		{"pending attendance", e.admin, pending, domain.CodeActiveAttendances},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := e.acts.Preflight(e.ctx, activities.PreflightInput{Step: e.step(c.channel), RequestedBy: c.user, Decided: preflightDocs()})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK || len(res.Reasons) == 0 || res.Reasons[0].Code != c.want {
				t.Fatalf("want rejection %s, got ok=%v reasons=%v", c.want, res.OK, reasons(res))
			}
		})
	}
	res, _ := e.acts.Preflight(e.ctx, activities.PreflightInput{Step: e.step(busy), RequestedBy: e.admin, Decided: preflightDocs()})
	if len(res.Impact.ActiveAttendances) != 1 || res.Impact.ActiveAttendances[0].Contact != "Cliente" {
		t.Fatalf("active attendances not listed: %+v", res.Impact.ActiveAttendances)
	}
	trail, err := e.store.AuditTrail(e.ctx, "remove-channel:"+busy)
	if err != nil || len(trail) != 1 || trail[0].Action != "preflight_rejected" {
		t.Fatalf("audit: %+v %v", trail, err)
	}
}

func TestPreflightImpact(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("whatsapp_cloud", "W1", "")
	e.channel("whatsapp_cloud", "W2", "") // another WABA: not shared
	for i := 0; i < 3; i++ {
		e.must(e.b.Conversation("", e.account, ch, e.contact, "closed"))
	}
	e.must(e.b.Reference("", e.account, "automation", "A", ch))
	e.must(e.b.Reference("", e.account, "routing_rule", "R", ch))
	e.must(e.b.Reference("", e.account, "webhook", "H", ch))

	res, err := e.acts.Preflight(e.ctx, activities.PreflightInput{Step: e.step(ch), RequestedBy: e.admin, Decided: preflightDocs()})
	if err != nil || !res.OK {
		t.Fatalf("preflight: %v %+v", err, res.Reasons)
	}
	im := res.Impact
	if !im.OfficialIntegration || im.Meta.WABAID != "W1" || im.Meta.PhoneNumberID != "PN-W1" || im.Conversations != 3 ||
		im.References != (domain.References{Automations: 1, RoutingRules: 1, Webhooks: 1}) || res.AccountID != e.account {
		t.Fatalf("impact: %+v", im)
	}
	// The result carries the facts; the warnings are rebuilt from them (Facts).
	if len(im.Warnings) != 0 {
		t.Fatalf("the result carries the warnings' texts: %q", im.Warnings)
	}
	all := strings.Join(res.Facts().Impact.Warnings, "\n")
	for _, want := range []string{"desinscrito da WABA W1", "Meta Business", "irreversível", "O canal será desvinculado de 1 automação, 1 regra de roteamento e 1 webhook."} {
		if !strings.Contains(all, want) {
			t.Errorf("warnings lack %q:\n%s", want, all)
		}
	}

	shared := e.channel("whatsapp_cloud", "W1", "") // second live channel on W1
	_ = shared
	again := e.step(ch)
	again.RunID = "run-2" // a new removal: the first run's verdict is its own
	res, _ = e.acts.Preflight(e.ctx, activities.PreflightInput{Step: again, RequestedBy: e.admin, Decided: preflightDocs()})
	if w := res.Facts().Impact.Warnings; !res.Impact.SharedWABA || !strings.Contains(strings.Join(w, "\n"), "usada por outro canal ativo") {
		t.Fatalf("shared WABA not warned: %v", w)
	}

	qr := e.channel("whatsapp_web", "", "")
	res, _ = e.acts.Preflight(e.ctx, activities.PreflightInput{Step: e.step(qr), RequestedBy: e.admin, Decided: preflightDocs()})
	if !res.OK || res.Impact.OfficialIntegration {
		t.Fatalf("unofficial channel: %+v", res)
	}
}

// The verdict is decided once per run: a preflight run again for the same run
// (its workflow task redone after a crash) returns what the first wrote, which
// the API answered the start with, even if the facts moved meanwhile; a new
// run decides anew.
func TestPreflightRedoneReturnsTheRecordedVerdict(t *testing.T) {
	e := newEnv(t)
	ch := e.channel("messenger", "", "P9")
	in := activities.PreflightInput{Step: e.step(ch), RequestedBy: e.admin, Decided: preflightDocs()}
	first, err := e.acts.Preflight(e.ctx, in)
	if err != nil || !first.OK {
		t.Fatalf("first: %+v %v", first, err)
	}
	e.must(e.b.Conversation("", e.account, ch, e.contact, "open")) // an attendance opens before the redo
	redone, err := e.acts.Preflight(e.ctx, in)
	if err != nil || !redone.OK || redone.AccountID != first.AccountID || redone.Impact.ChannelName != first.Impact.ChannelName ||
		len(redone.Impact.Warnings) != len(first.Impact.Warnings) {
		t.Fatalf("redone: %+v %v, want the first verdict %+v", redone, err, first)
	}
	next := in
	next.RunID = "run-2"
	if fresh, err := e.acts.Preflight(e.ctx, next); err != nil || fresh.OK {
		t.Fatalf("a new run must see the attendance: %+v %v", fresh, err)
	}
}
