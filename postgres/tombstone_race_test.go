package postgres_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/postgres"
)

// No row slips past the tombstone (SPEC §1.5, §1.7): each test holds the two
// transactions open in a fixed order, under READ COMMITTED, and lets the
// first commit only once the second is seen waiting for its lock.

type race struct {
	t                       *testing.T
	ctx                     context.Context
	db                      *sqlx.DB
	store                   *postgres.Store
	b                       seed.Builder
	account, contact, user  string
	channel, target, closed string
}

func newRace(t *testing.T) *race {
	_, db := testdb.New(t)
	r := &race{t: t, ctx: context.Background(), db: db, store: postgres.New(db), b: seed.Builder{DB: db}}
	r.account = r.must(r.b.Account("", "Loja", "dono@loja.test"))
	r.user = r.must(r.b.User("", r.account, "admin@loja.test", "Admin", "admin"))
	r.contact = r.must(r.b.Contact("", r.account, "Maria", "+5511988887777"))
	r.channel = r.must(r.b.Channel(seed.ChannelSpec{AccountID: r.account, Name: "Removido", Kind: "email"}))
	r.target = r.must(r.b.Channel(seed.ChannelSpec{AccountID: r.account, Name: "Outro", Kind: "webchat"}))
	r.closed = r.must(r.b.Conversation("", r.account, r.channel, r.contact, "closed"))
	return r
}

func (r *race) must(id string, err error) string {
	r.t.Helper()
	if err != nil {
		r.t.Fatal(err)
	}
	return id
}

// tombstoneHeld begins a tombstone of ch as RemoveChannel writes it (the
// row locked FOR UPDATE, then marked removed) and leaves it uncommitted.
func (r *race) tombstoneHeld(ch string) *sqlx.Tx {
	r.t.Helper()
	tx := r.db.MustBeginTx(r.ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	r.t.Cleanup(func() { tx.Rollback() })
	tx.MustExec(`SELECT 1 FROM channels WHERE id = $1 FOR UPDATE`, ch)
	tx.MustExec(`UPDATE channels SET status = 'removed', removed_at = now(), removed_by = 'remove-channel:' || id WHERE id = $1`, ch)
	return tx
}

// blocked waits until another backend waits for a lock: the writer under
// test has reached the tombstone's row.
func (r *race) blocked() {
	r.t.Helper()
	for i := 0; ; i++ {
		var n int
		if err := r.db.Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`); err != nil {
			r.t.Fatal(err)
		}
		if n > 0 {
			return
		}
		if i > 2000 {
			r.t.Fatal("the writer never waited for the tombstone's lock")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// while runs write while ch's tombstone is held, commits the tombstone once
// write waits for it, and returns write's error.
func (r *race) while(ch string, write func() error) error {
	r.t.Helper()
	tx := r.tombstoneHeld(ch)
	done := make(chan error, 1)
	go func() { done <- write() }()
	r.blocked()
	if err := tx.Commit(); err != nil {
		r.t.Fatal(err)
	}
	return <-done
}

func (r *race) liveRowsOnRemovedChannels() (attendances, messages int) {
	r.t.Helper()
	if err := r.db.QueryRow(`SELECT
		(SELECT count(*) FROM conversations v JOIN channels c ON c.id = v.channel_id
		 WHERE c.status <> 'active' AND v.status IN ('open', 'pending')),
		(SELECT count(*) FROM messages m JOIN conversations v ON v.id = m.conversation_id JOIN channels c ON c.id = v.channel_id
		 WHERE c.status <> 'active')`).Scan(&attendances, &messages); err != nil {
		r.t.Fatal(err)
	}
	return attendances, messages
}

// Continuing a conversation onto a channel whose tombstone is committing:
// the insert's snapshot still says active, its foreign-key check waits for
// the row lock and then passes; the trigger's share lock sees the tombstone.
func TestContinueOntoAChannelBeingRemovedIsRefused(t *testing.T) {
	r := newRace(t)
	err := r.while(r.target, func() error {
		_, err := r.store.ContinueConversation(r.ctx, r.closed, r.target, domain.Actor{UserID: r.user})
		return err
	})
	if domain.ErrorCode(err) != domain.CodeChannelRemoved {
		t.Fatalf("continue onto a channel being removed: %v", err)
	}
	if a, _ := r.liveRowsOnRemovedChannels(); a != 0 {
		t.Fatalf("%d open conversation(s) on a removed channel", a)
	}
}

// A message sent while the channel's tombstone commits is refused as a send
// on a removed channel.
func TestMessageOnAChannelBeingRemovedIsRefused(t *testing.T) {
	r := newRace(t)
	err := r.while(r.channel, func() error {
		_, err := r.store.AddMessage(r.ctx, r.closed, r.user, "olá")
		return err
	})
	if domain.ErrorCode(err) != domain.CodeChannelRemoved {
		t.Fatalf("message on a channel being removed: %v", err)
	}
	if _, m := r.liveRowsOnRemovedChannels(); m != 0 {
		t.Fatalf("%d message(s) on a removed channel", m)
	}
}

// A message sent while Meta's disconnection commits is refused as a send on
// a disconnected channel.
func TestMessageOnAChannelBeingDisconnectedIsRefused(t *testing.T) {
	r := newRace(t)
	tx := r.db.MustBeginTx(r.ctx, nil)
	t.Cleanup(func() { tx.Rollback() })
	tx.MustExec(`UPDATE channels SET status = 'disconnected' WHERE id = $1`, r.channel)
	done := make(chan error, 1)
	go func() { _, err := r.store.AddMessage(r.ctx, r.closed, r.user, "olá"); done <- err }()
	r.blocked()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; domain.ErrorCode(err) != domain.CodeChannelDisconnected {
		t.Fatalf("message on a channel being disconnected: %v", err)
	}
}

// An attendance opened by any writer (the CRM's own inserts included) while
// the tombstone holds its lock is refused by the database.
func TestAttendanceOpenedWhileTheTombstoneHoldsItsLockIsRefused(t *testing.T) {
	r := newRace(t)
	err := r.while(r.channel, func() error {
		_, err := r.db.Exec(`INSERT INTO conversations (account_id, channel_id, contact_id, status) VALUES ($1, $2, $3, 'open')`,
			r.account, r.channel, r.contact)
		return err
	})
	if err == nil {
		t.Fatal("an attendance was opened on a channel being removed")
	}
	err = r.while(r.target, func() error {
		_, err := r.db.Exec(`UPDATE conversations SET status = 'pending', channel_id = $2 WHERE id = $1`, r.closed, r.target)
		return err
	})
	if err == nil {
		t.Fatal("a conversation was reopened on a channel being removed")
	}
	if a, _ := r.liveRowsOnRemovedChannels(); a != 0 {
		t.Fatalf("%d open conversation(s) on a removed channel", a)
	}
}

// The other order: an attendance opened first, uncommitted, holds the share
// lock; the real tombstone waits for it and its re-check then sees it.
func TestTombstoneWaitsForAnAttendanceBeingOpened(t *testing.T) {
	r := newRace(t)
	tx := r.db.MustBeginTx(r.ctx, nil)
	t.Cleanup(func() { tx.Rollback() })
	tx.MustExec(`INSERT INTO conversations (account_id, channel_id, contact_id, status) VALUES ($1, $2, $3, 'open')`,
		r.account, r.channel, r.contact)
	done := make(chan error, 1)
	go func() {
		_, err := r.store.RemoveChannel(r.ctx, domain.Tombstone{ChannelID: r.channel, RemovalID: "remove-channel:" + r.channel,
			RunID: "run-1", Actor: domain.Actor{UserID: r.user}, Now: time.Now()})
		done <- err
	}()
	r.blocked()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; domain.ErrorCode(err) != domain.CodeActiveAttendances {
		t.Fatalf("tombstone over an attendance opened meanwhile: %v", err)
	}
	if c, _ := r.store.Channel(r.ctx, r.channel); c.Status != domain.ChannelActive {
		t.Fatalf("channel %s", c.Status)
	}
}

// The tombstone's record says how many references it detached. Here the
// count it reads with its lock is stale: its statement began while another
// transaction, holding the channel's row, deleted a reference; when that
// commits, the lock is granted but the count is of the statement's older
// snapshot. The writes refuse that count, the tombstone counts again, and
// records exactly what it detached.
func TestTombstoneRecordsTheReferencesItDetached(t *testing.T) {
	r := newRace(t)
	gone := r.must(r.b.Reference("", r.account, "automation", "A", r.channel))
	r.must(r.b.Reference("", r.account, "webhook", "W", r.channel))
	tx := r.db.MustBeginTx(r.ctx, nil)
	t.Cleanup(func() { tx.Rollback() })
	tx.MustExec(`SELECT 1 FROM channels WHERE id = $1 FOR UPDATE`, r.channel)
	tx.MustExec(`DELETE FROM channel_references WHERE id = $1`, gone) // an admin deletes an automation meanwhile
	id := "remove-channel:" + r.channel
	done := make(chan error, 1)
	var res domain.TombstoneResult
	go func() {
		var err error
		now := time.Now()
		// The workflow's document for "nothing owed": the tombstone completes the removal.
		completed := domain.Removal{ID: id, RunID: "run-1", ChannelID: r.channel, Status: domain.StatusCompleted, CompletedAt: &now}
		res, err = r.store.RemoveChannel(r.ctx, domain.Tombstone{ChannelID: r.channel, RemovalID: id, RunID: "run-1", Now: now,
			Decided: domain.Decided{domain.OutcomeNothingOwed: completed}})
		done <- err
	}()
	r.blocked()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil || res.DetachedReferences != 1 || res.Owed() {
		t.Fatalf("%+v %v", res, err)
	}
	var detached int
	var detail json.RawMessage
	var actions []string
	r.db.Get(&detached, `SELECT count(*) FROM channel_references WHERE detached_channel_id = $1`, r.channel)
	r.db.Get(&detail, `SELECT detail FROM removal_audit_log WHERE removal_id = $1 AND action = 'channel_removed'`, id)
	r.db.Select(&actions, `SELECT action FROM removal_audit_log WHERE removal_id = $1 ORDER BY id`, id)
	var d struct {
		Detached int `json:"detached_references"`
	}
	json.Unmarshal(detail, &d)
	if detached != 1 || d.Detached != 1 || len(actions) != 2 || actions[0] != "channel_removed" || actions[1] != "removal_completed" {
		t.Fatalf("detached %d, recorded %s, trail %v", detached, detail, actions)
	}
	if rec, err := r.store.LatestRemoval(r.ctx, id); err != nil || rec.Status != string(domain.StatusCompleted) {
		t.Fatalf("read model: %+v", rec)
	}
}
