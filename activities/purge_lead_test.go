package activities_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestAPurgeCountsTheAdminsNotYetTold: before any notice both admins are
// untold; SendGrid refusing the second, one stays untold; once both went
// out none is; an admin added since is untold again (the purge tells them
// before it starts); another date's notice tells nothing of this one.
func TestAPurgeCountsTheAdminsNotYetTold(t *testing.T) {
	e := newEnv(t, http.StatusAccepted, http.StatusServiceUnavailable, http.StatusAccepted)
	e.must(e.b.User("", e.account, "segunda@loja.test", "Segunda Admin", "admin"))
	ch := e.channel("messenger", "", "page-untold")
	at := e.clock.Now().Add(30 * domain.RetentionDay)
	in := activities.PurgeNoticeInput{Step: e.step(ch), ChannelName: "Messenger", Soon: true,
		Purge: domain.Purge{ChannelID: ch, AccountID: e.account, PurgeAt: at, Status: domain.RetentionScheduled}}
	untold := func(want int) {
		t.Helper()
		if n, err := e.acts.PurgeUntold(e.ctx, in); err != nil || n != want {
			t.Fatalf("untold %d (%v), want %d", n, err, want)
		}
	}
	untold(2)
	if _, err := e.acts.NotifyPurge(e.ctx, in); err == nil {
		t.Fatal("SendGrid refused the second admin's notice, and NotifyPurge says all went out")
	}
	untold(1)
	if _, err := e.acts.NotifyPurge(e.ctx, in); err != nil {
		t.Fatal(err)
	}
	untold(0)
	e.must(e.b.User("", e.account, "terceira@loja.test", "Terceira Admin", "admin"))
	untold(1)
	// Judged by the notice day: told now, a purge 30 days away had the lead;
	// one a day away did not (its notice day was six days ago).
	timed := in
	timed.RetentionDay, timed.Purge.PurgeAt = domain.RetentionDay, time.Now().Add(30*domain.RetentionDay)
	e.acts.NotifyPurge(e.ctx, timed)
	if n, err := e.acts.PurgeUntold(e.ctx, timed); err != nil || n != 0 {
		t.Fatalf("told 30 days ahead: untold %d (%v), want 0", n, err)
	}
	late := timed
	late.Purge.PurgeAt = time.Now().Add(domain.RetentionDay)
	e.acts.NotifyPurge(e.ctx, late)
	if n, err := e.acts.PurgeUntold(e.ctx, late); err != nil || n != 3 {
		t.Fatalf("told a day ahead: untold %d (%v), want all 3 (too late for the lead)", n, err)
	}
	moved := in
	moved.Purge.PurgeAt = at.Add(time.Hour)
	if n, err := e.acts.PurgeUntold(e.ctx, moved); err != nil || n != 3 {
		t.Fatalf("another date: untold %d (%v), want 3", n, err)
	}
}

// TestOpsAreToldOnceThatAPurgeWaits: the alert names the channel, the date
// and how many admins are untold, and goes once per purge date however often
// it is asked.
func TestOpsAreToldOnceThatAPurgeWaits(t *testing.T) {
	e := newEnv(t)
	e.acts.OpsMail = "ops@loja.test"
	ch := e.channel("messenger", "", "page-waits")
	in := activities.PurgeWaitInput{Step: e.step(ch), ChannelName: "Messenger Loja", Untold: 2,
		Purge: domain.Purge{ChannelID: ch, AccountID: e.account, PurgeAt: e.clock.Now(), Status: domain.RetentionScheduled}}
	for i := 0; i < 3; i++ {
		if _, err := e.acts.AlertPurgeWaits(e.ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	mails := e.sg.Sent()
	if len(mails) != 1 || mails[0].To != "ops@loja.test" {
		t.Fatalf("mails %+v, want one to ops", mails)
	}
	for _, want := range []string{"Messenger Loja", ch, "2 administrador(es)", "25/11/2026 09:00"} {
		if !strings.Contains(mails[0].Subject+mails[0].Text, want) {
			t.Errorf("the alert lacks %q:\n%s", want, mails[0].Text)
		}
	}
}
