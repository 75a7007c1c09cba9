package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/internal/devtools/seed"
)

// accountUpdateOf is an account_update delivery of event about waba, sent now.
func accountUpdateOf(event, waba string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"%s","time":%d,`+
		`"changes":[{"field":"account_update","value":{"event":"%s"}}]}]}`, waba, time.Now().Unix(), event)
}

// TestAccountUpdateEventsByKind: against the real Postgres, each kind of
// account_update does its own thing. PARTNER_REMOVED starts the access-lost
// run for the WABA; coexistence's ACCOUNT_OFFBOARDED starts it for the
// admins' notice only (Events empty: nothing is disconnected); the other
// kinds start nothing, are recorded as processed (a repeat starts nothing
// either) and the channel stays active whatever the kind.
func TestAccountUpdateEventsByKind(t *testing.T) {
	st := &starts{}
	s := newStoreServer(t, func(c *api.Config) { c.MetaAppSecret, c.Deliveries = webhookSecret, st })
	ch, err := s.b.Channel(seed.ChannelSpec{AccountID: s.account, Name: "WhatsApp Loja", Kind: "whatsapp_cloud",
		WABAID: "W-KIND", PhoneNumberID: "PN-KIND", Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	post := func(body string) {
		t.Helper()
		s.want(s.request("POST", "/webhooks/meta", body, "X-Hub-Signature-256", signed(body)), 200, "")
	}
	cases := []struct {
		event            string
		lost, offboarded int
	}{
		{"PARTNER_REMOVED", 1, 0},
		{"ACCOUNT_OFFBOARDED", 0, 1},
		{"ACCOUNT_RESTRICTION", 0, 0},
		{"ACCOUNT_VIOLATION", 0, 0},
		{"DISABLED_UPDATE", 0, 0},
		{"VERIFIED_ACCOUNT", 0, 0},
		{"ACCOUNT_RECONNECTED", 0, 0},
	}
	for _, c := range cases {
		st.got = nil
		body := accountUpdateOf(c.event, "W-KIND")
		post(body)
		post(body) // Meta's retry: the run's id finds the run, or nothing is started
		lost, off := 0, 0
		for _, in := range st.got {
			lost, off = lost+len(in.Events), off+len(in.Offboarded)
			for _, ev := range in.Offboarded {
				if ev.WABAID != "W-KIND" || ev.Event != "ACCOUNT_OFFBOARDED" {
					t.Fatalf("%s: offboarded %+v", c.event, ev)
				}
			}
		}
		if c.lost+c.offboarded == 0 && len(st.got) != 0 || c.lost+c.offboarded > 0 && (len(st.got) == 0 ||
			lost != c.lost*len(st.got) || off != c.offboarded*len(st.got)) {
			t.Fatalf("%s: started %+v", c.event, st.got)
		}
		var processed bool
		if err := s.store.DB().Get(&processed, `SELECT processed_at IS NOT NULL FROM meta_webhook_deliveries
			WHERE body = $1::bytea`, []byte(body)); err != nil {
			t.Fatalf("%s: not recorded: %v", c.event, err)
		}
		if processed != (c.lost+c.offboarded == 0) {
			t.Fatalf("%s: processed %v", c.event, processed)
		}
		if got, _ := s.store.Channel(context.Background(), ch); got.Status != "active" {
			t.Fatalf("%s: the API itself changed the channel: %s", c.event, got.Status)
		}
	}
}

// TestAnOffboardingBesideARemovalInOneDeliveryIsNotTold: a delivery that
// says both ACCOUNT_OFFBOARDED and PARTNER_REMOVED for a WABA, in either
// order (Meta batches entries; an attacker able to sign could too), asks
// only for the disconnection: its admins are not told "nada foi
// desconectado" beside the disconnection's notice. Another WABA's
// offboarding in the same delivery still is.
func TestAnOffboardingBesideARemovalInOneDeliveryIsNotTold(t *testing.T) {
	st := &starts{}
	s := newStoreServer(t, func(c *api.Config) { c.MetaAppSecret, c.Deliveries = webhookSecret, st })
	now := time.Now().Unix()
	for i, order := range [][2]string{{"ACCOUNT_OFFBOARDED", "PARTNER_REMOVED"}, {"PARTNER_REMOVED", "ACCOUNT_OFFBOARDED"}} {
		st.got = nil
		body := fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[`+
			`{"id":"W-BOTH-%d","time":%d,"changes":[{"field":"account_update","value":{"event":"%s"}}]},`+
			`{"id":"W-BOTH-%d","time":%d,"changes":[{"field":"account_update","value":{"event":"%s"}}]},`+
			`{"id":"W-COEX-%d","time":%d,"changes":[{"field":"account_update","value":{"event":"ACCOUNT_OFFBOARDED"}}]}]}`,
			i, now, order[0], i, now+1, order[1], i, now)
		s.want(s.request("POST", "/webhooks/meta", body, "X-Hub-Signature-256", signed(body)), 200, "")
		if len(st.got) != 1 {
			t.Fatalf("%v: started %+v", order, st.got)
		}
		in := st.got[0]
		if len(in.Events) != 1 || in.Events[0].WABAID != fmt.Sprintf("W-BOTH-%d", i) ||
			len(in.Offboarded) != 1 || in.Offboarded[0].WABAID != fmt.Sprintf("W-COEX-%d", i) {
			t.Fatalf("%v: %+v", order, in)
		}
	}
}

// TestTheSameDeliveryAtOnceIsOneRun: one signed PARTNER_REMOVED delivery
// posted ten times at once (Meta's retries overlapping, or a replay): it
// is recorded once, and every start asks for the same run (the delivery's
// id, which Temporal keeps to one run), with the same single event.
func TestTheSameDeliveryAtOnceIsOneRun(t *testing.T) {
	st := &starts{}
	s := newStoreServer(t, func(c *api.Config) { c.MetaAppSecret, c.Deliveries = webhookSecret, st })
	body := accountUpdateOf("PARTNER_REMOVED", "W-TWICE")
	statuses := make([]int, 10)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.request("POST", "/webhooks/meta", body, "X-Hub-Signature-256", signed(body)).Status
		}()
	}
	wg.Wait()
	var rows int
	s.store.DB().Get(&rows, `SELECT count(*) FROM meta_webhook_deliveries WHERE body = $1::bytea`, []byte(body))
	ids := map[string]bool{}
	for _, in := range st.got {
		ids[in.DeliveryID] = true
		if len(in.Events) != 1 || in.Events[0].WABAID != "W-TWICE" {
			t.Fatalf("start: %+v", in)
		}
	}
	if rows != 1 || len(ids) != 1 || len(st.got) == 0 {
		t.Fatalf("statuses %v, %d rows, runs %v", statuses, rows, ids)
	}
	for _, code := range statuses {
		if code != 200 {
			t.Fatalf("statuses %v", statuses)
		}
	}
}
