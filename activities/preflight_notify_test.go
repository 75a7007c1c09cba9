package activities_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/postgres"
)

// watched is a removal of a new e-mail channel whose read-model changes are watched.
type watched struct {
	*env
	changes *postgres.Changes
	st      activities.Step
	woken   <-chan domain.RunAnnouncement
}

func newWatched(t *testing.T) watched {
	e := newEnv(t)
	changes, err := postgres.Listen(e.dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { changes.Close() })
	st := e.step(e.channel("email", "", ""))
	woken, stop := changes.Watch(st.RemovalID)
	t.Cleanup(stop)
	return watched{env: e, changes: changes, st: st, woken: woken}
}

// preflight runs the preflight and waits for its row's announcement.
func (w watched) preflight() domain.RunAnnouncement {
	w.t.Helper()
	if _, err := w.acts.Preflight(w.ctx, activities.PreflightInput{Step: w.st, RequestedBy: w.admin}); err != nil {
		w.t.Fatal(err)
	}
	select {
	case a := <-w.woken:
		return a
	case <-time.After(5 * time.Second):
		w.t.Fatal("the preflight's row did not wake its watcher")
	}
	return domain.RunAnnouncement{}
}

// The API's start learns its run's preflight outcome from the read-model row
// the preflight writes: the row's commit must wake whoever watches that
// removal (and no other removal's watcher), with the row readable by then.
func TestPreflightRowWakesTheRunsWatcher(t *testing.T) {
	w := newWatched(t)
	other, stopOther := w.changes.Watch("remove-channel:" + w.channel("email", "", ""))
	defer stopOther()
	if _, err := w.store.RemovalRun(w.ctx, w.st.RemovalID, w.st.RunID); err == nil {
		t.Fatal("a row before the preflight")
	}
	a := w.preflight()
	rec, err := w.store.RemovalRun(w.ctx, w.st.RemovalID, w.st.RunID)
	if err != nil || rec.Status != "awaiting_acknowledgement" {
		t.Fatalf("row after the wake-up: %+v %v", rec, err)
	}
	// The announcement carries the row, as it was read: the start reads nothing more.
	if a.RunID != w.st.RunID || a.Record == nil {
		t.Fatalf("announcement without the row: %+v", a)
	}
	got := *a.Record
	var carried, read any
	if json.Unmarshal(got.Doc, &carried) != nil || json.Unmarshal(rec.Doc, &read) != nil {
		t.Fatalf("docs: %s / %s", got.Doc, rec.Doc)
	}
	cj, _ := json.Marshal(carried)
	rj, _ := json.Marshal(read)
	if got.RemovalID != rec.RemovalID || got.RunID != rec.RunID || got.AccountID != rec.AccountID || got.ChannelID != rec.ChannelID ||
		got.Status != rec.Status || !got.CreatedAt.Equal(rec.CreatedAt) || !got.UpdatedAt.Equal(rec.UpdatedAt) ||
		(got.CompletedAt == nil) != (rec.CompletedAt == nil) || string(cj) != string(rj) {
		t.Fatalf("carried %+v\nread    %+v", got, rec)
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
	w := newWatched(t)
	w.preflight()
	if _, err := w.acts.SendVerificationCode(w.ctx, activities.SendCodeInput{Step: w.st, ChannelName: "E-mail", Seq: 1, Acknowledged: true}); err != nil {
		t.Fatal(err)
	}
	if rec, err := w.store.RemovalRun(w.ctx, w.st.RemovalID, w.st.RunID); err != nil || rec.Status != "awaiting_code" {
		t.Fatalf("the send must move the row: %+v %v", rec, err)
	}
	select {
	case <-w.woken:
		t.Fatal("a later step was announced")
	case <-time.After(300 * time.Millisecond):
	}
}
