package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

type fixture struct {
	ctx                  context.Context
	store                *postgres.Store
	b                    seed.Builder
	account, admin       string
	channel, otherAcctCh string
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	_, db := testdb.New(t)
	f := fixture{ctx: context.Background(), store: postgres.New(db), b: seed.Builder{DB: db}}
	must := func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	f.account = must(f.b.Account("", "Loja", "dono@loja.test"))
	f.admin = must(f.b.User("", f.account, "admin@loja.test", "Admin", "admin"))
	waba := "WABA-1"
	f.channel = must(f.b.Channel(seed.ChannelSpec{AccountID: f.account, Name: "WhatsApp", Kind: "whatsapp_cloud", WABAID: waba, Token: "t"}))
	other := must(f.b.Account("", "Outra", "dono@outra.test"))
	f.otherAcctCh = must(f.b.Channel(seed.ChannelSpec{AccountID: other, Name: "Outro", Kind: "whatsapp_cloud", WABAID: waba, Token: "t"}))
	return f
}

// A request reads its caller and the channel its path names in one
// statement; a channel of another account reads as none, as a missing one.
func TestCallerIsReadWithTheChannelOfItsAccountOnly(t *testing.T) {
	f := newFixture(t)
	u, ch, _, err := f.store.UserWithRemoval(f.ctx, f.admin, f.channel, "")
	if err != nil || u.ID != f.admin || u.Role != domain.RoleAdmin || ch == nil || ch.ID != f.channel ||
		ch.Kind != domain.KindWhatsAppCloud || !ch.Official || ch.WABAID == nil || *ch.WABAID != "WABA-1" || ch.Status != domain.ChannelActive {
		t.Fatalf("own channel: %+v %+v %v", u, ch, err)
	}
	if u, ch, _, err := f.store.UserWithRemoval(f.ctx, f.admin, f.otherAcctCh, ""); err != nil || u.ID != f.admin || ch != nil {
		t.Fatalf("another account's channel: %+v %+v %v", u, ch, err)
	}
	if u, ch, _, err := f.store.UserWithRemoval(f.ctx, f.admin, "", ""); err != nil || u.ID != f.admin || ch != nil {
		t.Fatalf("no channel: %+v %+v %v", u, ch, err)
	}
	if _, _, _, err := f.store.UserWithRemoval(f.ctx, "00000000-0000-4000-8000-000000000000", f.channel, ""); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown user: %v", err)
	}

	now := time.Now()
	if err := f.store.CreateSession(f.ctx, []byte("token-hash"), f.admin, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if u, ch, _, err := f.store.SessionUserWithRemoval(f.ctx, []byte("token-hash"), now, f.channel, ""); err != nil || u.ID != f.admin || ch == nil || ch.ID != f.channel {
		t.Fatalf("session: %+v %+v %v", u, ch, err)
	}
	if _, _, _, err := f.store.SessionUserWithRemoval(f.ctx, []byte("token-hash"), now.Add(2*time.Hour), f.channel, ""); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("expired session: %v", err)
	}
}

// The impact's facts come from one statement: active attendances (newest
// first, up to the limit), the conversations counted up to the cap plus one,
// the references by kind and the other live channels on the WABA, of any account.
func TestImpactFactsInOneRead(t *testing.T) {
	f := newFixture(t)
	contact, err := f.b.Contact("", f.account, "Maria", "+55")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.b.Conversations(f.account, f.channel, contact, "closed", 7); err != nil {
		t.Fatal(err)
	}
	for _, status := range []string{"open", "pending"} {
		if _, err := f.b.Conversation("", f.account, f.channel, contact, status); err != nil {
			t.Fatal(err)
		}
	}
	for _, kind := range []string{"automation", "automation", "webhook"} {
		if _, err := f.b.Reference("", f.account, kind, kind, f.channel); err != nil {
			t.Fatal(err)
		}
	}
	_, ch, _, err := f.store.UserWithRemoval(f.ctx, f.admin, f.channel, "")
	if err != nil || ch == nil {
		t.Fatal(ch, err)
	}
	facts, err := f.store.ImpactFacts(f.ctx, *ch, 1, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(facts.ActiveAttendances) != 1 || facts.ActiveAttendances[0].Contact != "Maria" {
		t.Fatalf("attendances (limit 1): %+v", facts.ActiveAttendances)
	}
	if facts.Conversations != 6 { // 9 conversations, counted up to cap 5 + 1
		t.Fatalf("conversations: %d", facts.Conversations)
	}
	if r := facts.References; r.Automations != 2 || r.Webhooks != 1 || r.RoutingRules != 0 || r.Chatbots != 0 {
		t.Fatalf("references: %+v", r)
	}
	if facts.OtherLiveChannelsOnWABA != 1 {
		t.Fatalf("other live channels on the WABA: %d", facts.OtherLiveChannelsOnWABA)
	}
	all, err := f.store.ImpactFacts(f.ctx, *ch, 50, 100)
	if err != nil || len(all.ActiveAttendances) != 2 || all.Conversations != 9 {
		t.Fatalf("uncapped: %+v %v", all, err)
	}
}

// The preflight reads its requester, the channel and the channel's impact
// facts in one statement: the same facts ImpactFacts reads, and none for a
// channel of another account.
func TestRequesterIsReadWithTheImpactFacts(t *testing.T) {
	f := newFixture(t)
	contact, err := f.b.Contact("", f.account, "Maria", "+55")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.b.Conversations(f.account, f.channel, contact, "closed", 3); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.Conversation("", f.account, f.channel, contact, "open"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.b.Reference("", f.account, "chatbot", "bot", f.channel); err != nil {
		t.Fatal(err)
	}
	read, err := f.store.RequesterWithImpact(f.ctx, f.admin, f.channel, "", 50, 100, &domain.DefaultCodeLimits)
	u, ch, facts := read.User, read.Channel, read.Facts
	if err != nil || u.ID != f.admin || u.Role != domain.RoleAdmin || ch == nil || ch.ID != f.channel {
		t.Fatalf("requester and channel: %+v %+v %v", u, ch, err)
	}
	alone, err := f.store.ImpactFacts(f.ctx, *ch, 50, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(facts.ActiveAttendances) != 1 || facts.ActiveAttendances[0].Contact != "Maria" || facts.Conversations != 4 ||
		facts.References.Chatbots != 1 || facts.OtherLiveChannelsOnWABA != 1 {
		t.Fatalf("facts: %+v", facts)
	}
	if len(alone.ActiveAttendances) != 1 || alone.Conversations != facts.Conversations || alone.References != facts.References ||
		alone.OtherLiveChannelsOnWABA != facts.OtherLiveChannelsOnWABA {
		t.Fatalf("ImpactFacts %+v, RequesterWithImpact %+v", alone, facts)
	}
	read, err = f.store.RequesterWithImpact(f.ctx, f.admin, f.otherAcctCh, "", 50, 100, &domain.DefaultCodeLimits)
	u, ch, facts = read.User, read.Channel, read.Facts
	if err != nil || u.ID != f.admin || ch != nil || len(facts.ActiveAttendances) != 0 || facts.Conversations != 0 || facts.OtherLiveChannelsOnWABA != 0 {
		t.Fatalf("another account's channel: %+v %+v %+v %v", u, ch, facts, err)
	}
	if _, err := f.store.RequesterWithImpact(f.ctx, "00000000-0000-4000-8000-000000000000", f.channel, "", 50, 100, nil); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("unknown requester: %v", err)
	}
}

// A new run's row travels with its announcement when it fits in a NOTIFY
// payload (8000 bytes); a longer one is announced by its ids, and read.
func TestNewRunsAreAnnouncedWithTheirRowWhenItFits(t *testing.T) {
	dsn, db := testdb.New(t)
	f := fixture{ctx: context.Background(), store: postgres.New(db), b: seed.Builder{DB: db}}
	account, err := f.b.Account("", "Loja", "dono@loja.test")
	if err != nil {
		t.Fatal(err)
	}
	channel, err := f.b.Channel(seed.ChannelSpec{AccountID: account, Name: "E-mail", Kind: "email"})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := postgres.Listen(dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer changes.Close()
	id := "remove-channel:" + channel
	woken, stop := changes.Watch(id)
	defer stop()
	for _, c := range []struct {
		run     string
		docSize int
		carried bool
	}{{"run-small", 100, true}, {"run-long", 9000, false}} {
		doc := `{"notes":["` + strings.Repeat("x", c.docSize) + `"]}`
		if _, err := db.Exec(`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status, doc) VALUES ($1, $2, $3, $4, 'awaiting_acknowledgement', $5)`,
			id, c.run, account, channel, doc); err != nil {
			t.Fatal(err)
		}
		select {
		case a := <-woken:
			if a.RunID != c.run || (a.Record != nil) != c.carried {
				t.Fatalf("%s: announcement %+v", c.run, a)
			}
			if c.carried && (a.Record.Status != "awaiting_acknowledgement" || a.Record.AccountID != account || !strings.Contains(string(a.Record.Doc), "xxx")) {
				t.Fatalf("%s: carried row %+v", c.run, a.Record)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: not announced", c.run)
		}
	}
}

// A removal's latest run is read with its caller, by token or by session;
// another account's removal reads as none.
func TestCallerIsReadWithTheLatestRun(t *testing.T) {
	f := newFixture(t)
	id := "remove-channel:" + f.channel
	db := f.b.DB
	if u, ch, run, err := f.store.UserWithRemoval(f.ctx, f.admin, f.channel, id); err != nil || u.ID != f.admin || ch == nil || run != nil {
		t.Fatalf("before any run: %+v %+v %+v %v", u, ch, run, err)
	}
	for i, r := range []string{"run-1", "run-2"} {
		if _, err := db.Exec(`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status, created_at, completed_at, doc)
			VALUES ($1, $2, $3, $4, 'cancelled', now() + $5 * interval '1 second', now(), '{"notes":[]}')`, id, r, f.account, f.channel, i); err != nil {
			t.Fatal(err)
		}
	}
	_, _, run, err := f.store.UserWithRemoval(f.ctx, f.admin, f.channel, id)
	latest, lerr := f.store.LatestRemoval(f.ctx, id)
	if err != nil || lerr != nil || run == nil || run.RunID != "run-2" || run.RunID != latest.RunID || run.Status != latest.Status ||
		run.AccountID != f.account || run.CompletedAt == nil || !run.CreatedAt.Equal(latest.CreatedAt) || string(run.Doc) != string(latest.Doc) {
		t.Fatalf("latest run: %+v (LatestRemoval %+v) %v %v", run, latest, err, lerr)
	}
	other := "remove-channel:" + f.otherAcctCh
	if _, err := db.Exec(`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status) SELECT $1, 'run-x', account_id, id, 'awaiting_code' FROM channels WHERE id = $2`,
		other, f.otherAcctCh); err != nil {
		t.Fatal(err)
	}
	if _, ch, run, err := f.store.UserWithRemoval(f.ctx, f.admin, f.otherAcctCh, other); err != nil || ch != nil || run != nil {
		t.Fatalf("another account's removal: %+v %+v %v", ch, run, err)
	}
	now := time.Now()
	if err := f.store.CreateSession(f.ctx, []byte("hash"), f.admin, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, _, run, err := f.store.SessionUserWithRemoval(f.ctx, []byte("hash"), now, f.channel, id); err != nil || run == nil || run.RunID != "run-2" {
		t.Fatalf("by session: %+v %v", run, err)
	}
	if _, _, _, err := f.store.SessionUserWithRemoval(f.ctx, []byte("hash"), now.Add(2*time.Hour), f.channel, id); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("expired session: %v", err)
	}
}
