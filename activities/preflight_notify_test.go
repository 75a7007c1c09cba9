package activities_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/vcode"
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
	if _, err := w.acts.Preflight(w.ctx, activities.PreflightInput{Step: w.st, RequestedBy: w.admin, Decided: preflightDocs()}); err != nil {
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

// A step that moves the status is announced with its new row (a waiting
// GET /v1/removals/{id}?status=…&wait=… answers from it); one that leaves the
// status as it was (a wrong code: attempts_left only) is not, since nobody
// waits on it and each NOTIFY costs a queue lock and two wake-ups.
func TestStatusChangesAreAnnouncedOtherWritesAreNot(t *testing.T) {
	w := newWatched(t)
	w.preflight()
	if _, err := w.acts.SendVerificationCode(w.ctx, activities.SendCodeInput{Step: w.st, ChannelName: "E-mail", Seq: 1, Acknowledged: true, Decided: stepDocs(domain.OutcomeCodeSent, domain.StatusAwaitingCode)}); err != nil {
		t.Fatal(err)
	}
	select {
	case a := <-w.woken:
		if a.RunID != w.st.RunID || a.Record == nil || a.Record.Status != "awaiting_code" {
			t.Fatalf("the send's announcement: %+v", a)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the move to awaiting_code was not announced")
	}
	r, err := w.acts.VerifyCode(w.ctx, activities.VerifyInput{Step: w.st, Seq: 1, CodeHash: vcode.Hash(secret, w.st.RemovalID, "000000x"), Decided: checkDocs()})
	if err != nil || r.OK {
		t.Fatalf("a wrong code: %+v %v", r, err)
	}
	if rec, err := w.store.RemovalRun(w.ctx, w.st.RemovalID, w.st.RunID); err != nil || rec.Status != "awaiting_code" ||
		!strings.Contains(string(rec.Doc), `"attempts_left": 4`) {
		t.Fatalf("the wrong code must move the row, not its status: %+v %v", rec, err)
	}
	select {
	case a := <-w.woken:
		t.Fatalf("a write that kept the status was announced: %+v", a)
	case <-time.After(300 * time.Millisecond):
	}
}
