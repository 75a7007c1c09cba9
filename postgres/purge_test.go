package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
)

// purgeFixture is a removed channel with conversations and messages, its
// purge scheduled, and a live channel of the same account beside it.
func purgeFixture(t *testing.T, conversations, perConversation int) (f fixture, removed, live string) {
	t.Helper()
	f = newFixture(t)
	contact, err := f.b.Contact("", f.account, "Maria", "+55")
	if err != nil {
		t.Fatal(err)
	}
	removed, live = f.channel, mustID(t)(f.b.Channel(seed.ChannelSpec{AccountID: f.account, Name: "Vivo", Kind: "messenger", Page: "p", Token: "t"}))
	for _, ch := range []string{removed, live} {
		if err := f.b.Conversations(f.account, ch, contact, "closed", conversations); err != nil {
			t.Fatal(err)
		}
		if err := f.b.Messages(ch, perConversation); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.store.DB().Exec(`UPDATE channels SET status = 'removed', removed_at = now() WHERE id = $1`, removed); err != nil {
		t.Fatal(err)
	}
	p := domain.Purge{ChannelID: removed, AccountID: f.account, RemovalID: "remove-channel:" + removed, PurgeAfterDays: 30,
		PurgeAt: time.Now().Add(time.Hour), Status: domain.RetentionScheduled}
	e := domain.AuditEntry{RemovalID: p.RemovalID, RunID: "run-1", AccountID: f.account, ChannelID: removed, Actor: domain.Actor{UserID: f.admin},
		Action: domain.ActionPurgeScheduled, Key: "purge-scheduled/" + removed}
	for i := 0; i < 2; i++ { // a retry writes nothing more
		if err := f.store.SchedulePurge(f.ctx, p, e); err != nil {
			t.Fatal(err)
		}
	}
	return f, removed, live
}

func mustID(t *testing.T) func(string, error) string {
	return func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
}

func count(t *testing.T, f fixture, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.store.DB().Get(&n, q, args...); err != nil {
		t.Fatal(err)
	}
	return n
}

func messagesOf(t *testing.T, f fixture, ch string) int {
	return count(t, f, `SELECT count(*) FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE v.channel_id = $1`, ch)
}

// TestPurgeBatchesDeleteOnlyTheChannelsMessagesAndCountOnce: batches bounded
// by size delete the removed channel's messages and mark its conversations,
// with totals that add up exactly; the live channel keeps every message.
func TestPurgeBatchesDeleteOnlyTheChannelsMessagesAndCountOnce(t *testing.T) {
	f, removed, live := purgeFixture(t, 30, 40) // 1200 messages each
	p, ok, err := f.store.Purge(f.ctx, removed)
	if err != nil || !ok || p.Status != domain.RetentionScheduled {
		t.Fatalf("purge %+v %v %v", p, ok, err)
	}
	batches := 0
	for {
		b, p2, err := f.store.PurgeBatch(f.ctx, removed, 500)
		if err != nil {
			t.Fatal(err)
		}
		if b.Messages > 500 {
			t.Fatalf("a batch deleted %d messages, more than its size", b.Messages)
		}
		p = p2
		if b.Done {
			break
		}
		batches++
	}
	if batches < 3 || p.PurgedMessages != 1200 || p.PurgedConversations != 30 {
		t.Fatalf("%d batches, totals %d messages %d conversations; want ≥3, 1200, 30", batches, p.PurgedMessages, p.PurgedConversations)
	}
	if messagesOf(t, f, removed) != 0 || messagesOf(t, f, live) != 1200 {
		t.Fatalf("left: removed %d, live %d", messagesOf(t, f, removed), messagesOf(t, f, live))
	}
	if n := count(t, f, `SELECT count(*) FROM conversations WHERE channel_id = $1 AND messages_purged_at IS NOT NULL`, removed); n != 30 {
		t.Fatalf("%d conversations marked", n)
	}
	if n := count(t, f, `SELECT count(*) FROM conversations WHERE channel_id = $1 AND messages_purged_at IS NOT NULL`, live); n != 0 {
		t.Fatalf("the live channel's conversations marked: %d", n)
	}
}

// TestAHoldRacingABatchStopsTheNext: batches and holds race from many
// goroutines; a hold committed is seen by every batch that starts after it
// (the channel's row lock orders them), so once SetHold returns no message is
// deleted until it is lifted.
func TestAHoldRacingABatchStopsTheNext(t *testing.T) {
	f, removed, _ := purgeFixture(t, 200, 50) // 10 000 messages
	hold := &domain.Hold{Reason: "ofício", By: f.admin, At: time.Now()}
	held := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, _, err := f.store.PurgeBatch(context.Background(), removed, 20); err != nil {
					t.Error(err)
					return
				}
				select {
				case <-held:
					return
				default:
				}
			}
		}()
	}
	for messagesOf(t, f, removed) == 10000 { // some batches committed
	}
	if err := f.store.SetHold(f.ctx, removed, hold, domain.AuditEntry{RemovalID: "remove-channel:" + removed, RunID: "", AccountID: f.account,
		ChannelID: removed, Action: domain.ActionHoldSet, Key: "hold/" + removed}); err != nil {
		t.Fatal(err)
	}
	left := messagesOf(t, f, removed)
	close(held)
	wg.Wait()
	for i := 0; i < 5; i++ {
		b, _, err := f.store.PurgeBatch(f.ctx, removed, 50)
		if err != nil || !b.Held || b.Messages != 0 {
			t.Fatalf("a batch under the hold: %+v %v", b, err)
		}
	}
	if now := messagesOf(t, f, removed); now != left || left == 0 {
		t.Fatalf("messages when the hold committed %d, after %d (want equal, not 0)", left, now)
	}
	if held, err := f.store.StartPurge(f.ctx, removed, domain.AuditEntry{RemovalID: "remove-channel:" + removed, AccountID: f.account,
		ChannelID: removed, Action: domain.ActionPurgeStarted, Key: fmt.Sprint("start/", removed)}); err != nil || !held {
		t.Fatalf("StartPurge under a hold: held %v, %v", held, err)
	}
	// Lifted, the purge finishes; batches that raced each other counted
	// every message once.
	if err := f.store.SetHold(f.ctx, removed, nil, domain.AuditEntry{RemovalID: "remove-channel:" + removed, AccountID: f.account,
		ChannelID: removed, Action: domain.ActionHoldReleased, Key: "unhold/" + removed}); err != nil {
		t.Fatal(err)
	}
	for {
		b, p, err := f.store.PurgeBatch(f.ctx, removed, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if b.Done {
			if p.PurgedMessages != 10000 || p.PurgedConversations != 200 || messagesOf(t, f, removed) != 0 {
				t.Fatalf("totals %d messages, %d conversations; want 10000 and 200", p.PurgedMessages, p.PurgedConversations)
			}
			return
		}
	}
}

// waitingOnLock waits until n of the database's statements wait on a lock.
func waitingOnLock(t *testing.T, f fixture, n int) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if count(t, f, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) >= n {
			return
		}
	}
	t.Fatalf("never %d statements waiting on a lock", n)
}

// TestAHoldAndABatchInEitherOrder holds two transactions open in each order:
// a hold committed while a batch waits for the channel's row stops that
// batch; a hold set while a batch is mid-way waits for it, and stops the next.
func TestAHoldAndABatchInEitherOrder(t *testing.T) {
	f, removed, _ := purgeFixture(t, 10, 10)
	db := f.store.DB()
	entry := func(a domain.Action) domain.AuditEntry {
		return domain.AuditEntry{RemovalID: "remove-channel:" + removed, AccountID: f.account, ChannelID: removed, Action: a, Key: fmt.Sprint(a, "/", time.Now().UnixNano())}
	}
	batch := func() chan domain.PurgeBatch {
		out := make(chan domain.PurgeBatch, 1)
		go func() {
			b, _, err := f.store.PurgeBatch(context.Background(), removed, 50)
			if err != nil {
				t.Error(err)
			}
			out <- b
		}()
		return out
	}

	// The hold first: its transaction holds the channel's row; the batch waits, then sees it.
	hold, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hold.Exec(`UPDATE channels SET hold_reason = 'ofício', hold_at = now() WHERE id = $1`, removed); err != nil {
		t.Fatal(err)
	}
	first := batch()
	waitingOnLock(t, f, 1)
	if err := hold.Commit(); err != nil {
		t.Fatal(err)
	}
	if b := <-first; !b.Held || b.Messages != 0 || messagesOf(t, f, removed) != 100 {
		t.Fatalf("a batch that waited for a hold: %+v, %d messages left", b, messagesOf(t, f, removed))
	}
	if err := f.store.SetHold(f.ctx, removed, nil, entry(domain.ActionHoldReleased)); err != nil {
		t.Fatal(err)
	}

	// The batch first: held mid-way on the messages the test locks; the hold waits for it.
	lock, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.Exec(`SELECT 1 FROM messages m JOIN conversations v ON v.id = m.conversation_id WHERE v.channel_id = $1
		FOR UPDATE OF m`, removed); err != nil {
		t.Fatal(err)
	}
	second := batch()
	waitingOnLock(t, f, 1) // the batch, inside its transaction, holding the channel's row
	held := make(chan error, 1)
	go func() {
		held <- f.store.SetHold(context.Background(), removed, &domain.Hold{Reason: "ofício", By: f.admin, At: time.Now()}, entry(domain.ActionHoldSet))
	}()
	waitingOnLock(t, f, 2) // and the hold behind it
	lock.Rollback()
	if b := <-second; b.Held || b.Messages != 50 {
		t.Fatalf("the batch in flight when the hold came: %+v", b)
	}
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if b := <-batch(); !b.Held || b.Messages != 0 || messagesOf(t, f, removed) != 50 {
		t.Fatalf("the batch after the hold: %+v, %d messages left", b, messagesOf(t, f, removed))
	}
}
