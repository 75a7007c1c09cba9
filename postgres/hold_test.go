package postgres_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// A release of the hold read, waiting for the row while another transaction
// replaces that hold, sees the replacement once it commits and lifts
// nothing: hold_changed, no hold_released record, the new hold stands.
func TestAReleaseRacingANewHoldLiftsNothing(t *testing.T) {
	r := newRace(t)
	at := time.Now().UTC().Truncate(time.Microsecond)
	entry := func(a domain.Action, key string) domain.AuditEntry {
		return domain.AuditEntry{RemovalID: "remove-channel:" + r.channel, AccountID: r.account, ChannelID: r.channel,
			Action: a, Key: key}
	}
	if err := r.store.SetHold(r.ctx, r.channel, &domain.Hold{Reason: "lida", By: r.user, At: at}, entry(domain.ActionHoldSet, "h1")); err != nil {
		t.Fatal(err)
	}
	tx := r.db.MustBeginTx(r.ctx, &sql.TxOptions{Isolation: sql.LevelReadCommitted})
	t.Cleanup(func() { tx.Rollback() })
	tx.MustExec(`UPDATE channels SET hold_reason = 'nova', hold_at = $2 WHERE id = $1`, r.channel, at.Add(time.Second))
	done := make(chan error, 1)
	go func() { done <- r.store.ReleaseHold(r.ctx, r.channel, at, entry(domain.ActionHoldReleased, "h2")) }()
	r.blocked()
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; domain.ErrorCode(err) != domain.CodeHoldChanged {
		t.Fatalf("release of a replaced hold: %v", err)
	}
	ch, err := r.store.Channel(r.ctx, r.channel)
	if err != nil || ch.Hold() == nil || ch.Hold().Reason != "nova" {
		t.Fatalf("the new hold: %+v %v", ch.Hold(), err)
	}
	var released int
	r.db.Get(&released, `SELECT count(*) FROM removal_audit_log WHERE action = 'hold_released'`)
	if released != 0 {
		t.Fatalf("%d hold_released records for a release that lifted nothing", released)
	}
	// The hold that stands is released by its own version.
	if err := r.store.ReleaseHold(r.ctx, r.channel, at.Add(time.Second), entry(domain.ActionHoldReleased, "h3")); err != nil {
		t.Fatal(err)
	}
}

// Two holds set at the same instant still have versions of their own: the
// second is a microsecond later, so a release of the first cannot lift it.
func TestAReplacingHoldGetsAVersionOfItsOwn(t *testing.T) {
	r := newRace(t)
	at := time.Now().UTC().Truncate(time.Microsecond)
	for i, reason := range []string{"primeira", "segunda"} {
		e := domain.AuditEntry{RemovalID: "remove-channel:" + r.channel, AccountID: r.account, ChannelID: r.channel,
			Action: domain.ActionHoldSet, Key: "k" + reason}
		if err := r.store.SetHold(r.ctx, r.channel, &domain.Hold{Reason: reason, By: r.user, At: at}, e); err != nil {
			t.Fatal(i, err)
		}
	}
	err := r.store.ReleaseHold(r.ctx, r.channel, at, domain.AuditEntry{RemovalID: "remove-channel:" + r.channel,
		AccountID: r.account, ChannelID: r.channel, Action: domain.ActionHoldReleased, Key: "rel"})
	if domain.ErrorCode(err) != domain.CodeHoldChanged {
		t.Fatalf("a release of the first hold: %v", err)
	}
}
