package activities_test

import (
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/postgres"
)

// The API's start learns its run's preflight outcome from the read-model row
// the preflight writes: the row's commit must wake whoever watches that
// removal (and no other removal's watcher), with the row readable by then.
func TestPreflightRowWakesTheRunsWatcher(t *testing.T) {
	e := newEnv(t)
	changes, err := postgres.Listen(e.dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer changes.Close()
	ch := e.channel("email", "", "")
	st := e.step(ch)
	woken, stop := changes.Watch(st.RemovalID)
	defer stop()
	other, stopOther := changes.Watch("remove-channel:" + e.channel("email", "", ""))
	defer stopOther()
	if _, err := e.store.RemovalRun(e.ctx, st.RemovalID, st.RunID); err == nil {
		t.Fatal("a row before the preflight")
	}
	if _, err := e.acts.Preflight(e.ctx, activities.PreflightInput{Step: st, RequestedBy: e.admin}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woken:
	case <-time.After(5 * time.Second):
		t.Fatal("the preflight's row did not wake its watcher")
	}
	rec, err := e.store.RemovalRun(e.ctx, st.RemovalID, st.RunID)
	if err != nil || rec.Status != "awaiting_acknowledgement" {
		t.Fatalf("row after the wake-up: %+v %v", rec, err)
	}
	select {
	case <-other:
		t.Fatal("another removal's watcher was woken")
	case <-time.After(200 * time.Millisecond):
	}
}

// Only a run's first row is announced: later steps move the row without a
// NOTIFY, which nobody waits for (each cost a trigger call and a wake-up).
func TestLaterStepsAreNotAnnounced(t *testing.T) {
	e := newEnv(t)
	changes, err := postgres.Listen(e.dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer changes.Close()
	ch := e.channel("email", "", "")
	st := e.step(ch)
	woken, stop := changes.Watch(st.RemovalID)
	defer stop()
	if _, err := e.acts.Preflight(e.ctx, activities.PreflightInput{Step: st, RequestedBy: e.admin}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-woken:
	case <-time.After(5 * time.Second):
		t.Fatal("the preflight's row did not wake its watcher")
	}
	if _, err := e.acts.SendVerificationCode(e.ctx, activities.SendCodeInput{Step: st, ChannelName: "E-mail", Seq: 1, Acknowledged: true}); err != nil {
		t.Fatal(err)
	}
	if rec, err := e.store.RemovalRun(e.ctx, st.RemovalID, st.RunID); err != nil || rec.Status != "awaiting_code" {
		t.Fatalf("the send must move the row: %+v %v", rec, err)
	}
	select {
	case <-woken:
		t.Fatal("a later step was announced")
	case <-time.After(300 * time.Millisecond):
	}
}
