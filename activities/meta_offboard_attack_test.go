package activities_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
)

// Attacks on Meta's side of the offboarding: the same WABA in deliveries
// at once, a removal racing the disconnection, and a WABA two accounts use.

// TestDeliveriesAtOnceDisconnectEachChannelOnce: eight deliveries about the
// same WABA (Meta's events, or one replayed under new bodies), at once: each
// channel is disconnected by exactly one of them, recorded once, and only
// that delivery names it (its notice), so nobody is told twice.
func TestDeliveriesAtOnceDisconnectEachChannelOnce(t *testing.T) {
	e := newEnv(t)
	a, b := e.channel("whatsapp_cloud", "W-RACE", ""), e.channel("whatsapp_cloud", "W-RACE", "")
	const n = 8
	got := make([][]domain.DisconnectedChannel, n)
	errs := make([]error, n)
	for i := range n {
		e.record(fmt.Sprintf("race-%d", i))
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ev := []string{domain.EventPartnerRemoved, "PARTNER_APP_UNINSTALLED", "ACCOUNT_DELETED"}[i%3]
			got[i], errs[i] = e.acts.DisconnectChannels(e.ctx, activities.DisconnectInput{DeliveryID: fmt.Sprintf("race-%d", i),
				Event: domain.AccessLost{WABAID: "W-RACE", Event: ev}, Last: true})
		}()
	}
	wg.Wait()
	named := map[string]int{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("delivery %d: %v", i, errs[i])
		}
		for _, ch := range got[i] {
			named[ch.ID]++
		}
	}
	if len(named) != 2 || named[a] != 1 || named[b] != 1 {
		t.Fatalf("channels named by the deliveries: %v", named)
	}
	var records int
	e.store.DB().Get(&records, `SELECT count(*) FROM channel_disconnections WHERE waba_id = 'W-RACE'`)
	if records != 2 {
		t.Fatalf("%d disconnection records", records)
	}
}

// TestPartnerRemovedRacingARemoval: PARTNER_REMOVED arrives while the
// channel is being removed, ten times over. Each time exactly one wins:
// either the tombstone (the channel is removed, Meta is owed its
// unsubscribe, no disconnection is recorded or told) or the disconnection
// (recorded and told; the tombstone then finds Meta had cut it off and owes
// Meta nothing). Never both, never neither; the channel ends removed.
func TestPartnerRemovedRacingARemoval(t *testing.T) {
	e := newEnv(t)
	for i := range 10 {
		waba := fmt.Sprintf("W-RM-%d", i)
		ch := e.channel("whatsapp_cloud", waba, "")
		e.record("rm-" + waba)
		var d activities.DeleteResult
		var chs []domain.DisconnectedChannel
		var derr, cerr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() {
			defer wg.Done()
			d, derr = e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)})
		}()
		go func() {
			defer wg.Done()
			chs, cerr = e.acts.DisconnectChannels(e.ctx, activities.DisconnectInput{DeliveryID: "rm-" + waba,
				Event: domain.AccessLost{WABAID: waba, Event: domain.EventPartnerRemoved}, Last: true})
		}()
		wg.Wait()
		if derr != nil || cerr != nil {
			t.Fatalf("%s: %v %v", waba, derr, cerr)
		}
		var records int
		e.store.DB().Get(&records, `SELECT count(*) FROM channel_disconnections WHERE channel_id = $1`, ch)
		disconnected := len(chs) == 1 && chs[0].ID == ch && records == 1
		removedFirst := len(chs) == 0 && records == 0
		switch {
		case disconnected && d.MetaAccessLost && !d.Subscription && !d.CreditLine:
		case removedFirst && !d.MetaAccessLost && d.Subscription:
		default:
			t.Fatalf("%s: tombstone %+v, disconnected %+v, %d records", waba, d, chs, records)
		}
		if got, _ := e.store.Channel(e.ctx, ch); got.Status != domain.ChannelRemoved {
			t.Fatalf("%s: channel %s", waba, got.Status)
		}
	}
}

// TestAnOffboardingToldToEachAccountAboutItsOwnChannels: two accounts have
// channels on the same offboarded WABA. Each account's admins get one
// notice naming their own channels only: nothing of the other account (its
// name, its channels, their links) leaks into it.
func TestAnOffboardingToldToEachAccountAboutItsOwnChannels(t *testing.T) {
	e := newEnv(t)
	e.acts.AppURL = "https://crm.loja.test"
	mine := e.channel("whatsapp_cloud", "W-TWO", "")
	other := e.must(e.b.Account("", "Outra Loja", "dono@outra.test"))
	e.must(e.b.User("", other, "admin@outra.test", "Admin Outra", "admin"))
	theirs := e.must(e.b.Channel(seed.ChannelSpec{AccountID: other, Name: "Zap da Outra", Kind: "whatsapp_cloud",
		WABAID: "W-TWO", PhoneNumberID: "PN-TWO-B", Token: "tok-two-b"}))
	e.record("two")
	sent, err := e.acts.NotifyOffboarded(e.ctx, activities.OffboardedNoticeInput{DeliveryID: "two", At: e.clock.Now(),
		Event: domain.AccessLost{WABAID: "W-TWO", Event: domain.EventAccountOffboarded}})
	if err != nil || sent != 2 {
		t.Fatalf("sent %d, %v", sent, err)
	}
	for _, m := range e.sg.Sent() {
		own, foreign, foreignName := mine, theirs, "Outra Loja"
		if m.To == "admin@outra.test" {
			own, foreign, foreignName = theirs, mine, "Loja Teste"
		}
		if !strings.Contains(m.Text, "/#/canais/"+own) || strings.Contains(m.Text, foreign) ||
			strings.Contains(m.Text+m.Subject, foreignName) {
			t.Fatalf("%s got another account's channel: %s\n%s", m.To, m.Subject, m.Text)
		}
	}
}

// TestAnOffboardingAfterTheRemovalOfItsWABATellsNobody: Meta's
// ACCOUNT_OFFBOARDED arrives after PARTNER_REMOVED for the same WABA (a
// retry, another delivery, out of order): its channels are disconnected,
// so nobody is told that "nada foi desconectado".
func TestAnOffboardingAfterTheRemovalOfItsWABATellsNobody(t *testing.T) {
	e := newEnv(t)
	e.channel("whatsapp_cloud", "W-LATE", "")
	e.record("cut")
	e.record("late")
	if chs, err := e.acts.DisconnectChannels(e.ctx, activities.DisconnectInput{DeliveryID: "cut",
		Event: domain.AccessLost{WABAID: "W-LATE", Event: domain.EventPartnerRemoved}, Last: true}); err != nil || len(chs) != 1 {
		t.Fatalf("%+v %v", chs, err)
	}
	sent, err := e.acts.NotifyOffboarded(e.ctx, activities.OffboardedNoticeInput{DeliveryID: "late", At: e.clock.Now(),
		Event: domain.AccessLost{WABAID: "W-LATE", Event: domain.EventAccountOffboarded}})
	if err != nil || sent != 0 || len(e.sg.Sent()) != 0 {
		t.Fatalf("sent %d, %v: %+v", sent, err, e.sg.Sent())
	}
}

// TestTwoRemovalsOnOneCreditLineAtOnce: a business's two channels, on two
// WABAs sharing one allocation config of our credit line, are removed at
// once, five times over. Whoever checks while the other is still live keeps
// the line; whichever is removed last revokes it: the line never outlives
// both, and no revocation fails.
func TestTwoRemovalsOnOneCreditLineAtOnce(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		cfg := fmt.Sprintf("CFG-PAIR-%d", i)
		chs := make([]string, 2)
		for j := range chs {
			waba := fmt.Sprintf("W-PAIR-%d-%d", i, j)
			token := "tok-" + waba
			e.graph.Expect(token, waba, "PN-"+waba)
			e.graph.ShareCreditLine(cfg, waba)
			chs[j] = e.must(e.b.Channel(seed.ChannelSpec{AccountID: e.account, Name: waba, Kind: "whatsapp_cloud",
				WABAID: waba, PhoneNumberID: "PN-" + waba, Token: token, CreditAllocation: cfg}))
		}
		outcomes := make([]domain.Outcome, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for j, ch := range chs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, errs[j] = e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch), Decided: e.tombstoneDocs(ch)}); errs[j] != nil {
					return
				}
				if _, errs[j] = e.unsubscribe(ch); errs[j] != nil {
					return
				}
				var r activities.AttemptResult
				r, errs[j] = e.revoke(ch)
				outcomes[j] = r.Outcome
			}()
		}
		wg.Wait()
		for j := range chs {
			if errs[j] != nil || (outcomes[j] != domain.OutcomeDone && outcomes[j] != domain.OutcomeKept) {
				t.Fatalf("%s: %v %v", cfg, outcomes, errs)
			}
		}
		// One config, two WABAs: the simulator files it under the last shared.
		if e.graph.CreditLineShared(fmt.Sprintf("W-PAIR-%d-1", i)) || outcomes[0] == domain.OutcomeKept && outcomes[1] == domain.OutcomeKept {
			t.Fatalf("%s outlived both channels: %v", cfg, outcomes)
		}
	}
}
