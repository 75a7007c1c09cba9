package workflows

import (
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// The purge's lead (purge.go, leadFromHere; domain/purge_transition.go): a stolen admin session cannot hasten a
// purge past the other admins' notice.

// TestAPurgeCannotBeMovedNearerThanItsNotice: on day 1 of a 30-day purge,
// moves to day 2, to day 7 and an hour, and to the past are refused with
// purge_too_soon, by update and by signal alike (a signal skips the
// validator; the run refuses it itself), in a loop; a move to day 8 (the
// lead from now) is accepted and the purge runs then, announced first.
func TestAPurgeCannotBeMovedNearerThanItsNotice(t *testing.T) {
	h := newPurgeHarness(t, 1)
	day1 := domain.RetentionDay
	tooSoon := []time.Time{purgeStart.Add(2 * day1), purgeStart.Add(8*day1 - time.Hour), purgeStart.Add(-day1), purgeStart.Add(day1 + time.Minute)}
	refused := 0
	h.env.RegisterDelayedCallback(func() {
		for i, at := range tooSoon {
			h.env.UpdateWorkflow(UpdateMovePurge, "m"+string(rune('a'+i)), &testsuite.TestUpdateCallback{
				OnReject: func(err error) {
					if e, ok := temporalerr.Decode(err); ok && e.Code == domain.CodePurgeTooSoon {
						refused++
					} else {
						t.Errorf("move to %s refused with %v", at, err)
					}
				},
				OnAccept: func() { t.Errorf("a move to %s (too soon) was accepted", at) }, OnComplete: func(any, error) {}},
				MovePurgeRequest{PurgeAt: at})
			h.env.SignalWorkflow(SignalMovePurge, MovePurgeRequest{PurgeAt: at})
		}
	}, day1)
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateMovePurge, "ok", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("a move at the lead was refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {}},
			MovePurgeRequest{PurgeAt: purgeStart.Add(9 * day1)})
	}, 2*day1)
	out := h.run(30)
	if refused != len(tooSoon) {
		t.Fatalf("%d of %d too-soon moves refused", refused, len(tooSoon))
	}
	if out.Status != domain.RetentionPurged {
		t.Fatalf("result %+v", out)
	}
	if got := h.at[domain.ActionPurgeStarted]; !got.Equal(purgeStart.Add(9 * day1)) {
		t.Fatalf("started at %s", got)
	}
	if n := count(h.records, domain.ActionPurgeMoved); n != 1 {
		t.Fatalf("%d moves recorded (%v), want the one at the lead", n, h.records)
	}
	if !h.told[purgeStart.Add(9*day1)] {
		t.Fatal("the moved purge ran unannounced")
	}
}

// TestAHoldLiftedAfterTheDateGivesTheAdminsTheLeadAgain: a purge held on its
// date (day 30), its hold lifted on day 40, is rescheduled to day 47 and
// announced again on day 40; it used to purge at once.
func TestAHoldLiftedAfterTheDateGivesTheAdminsTheLeadAgain(t *testing.T) {
	h := newPurgeHarness(t, 1)
	h.held = true
	lifted := purgeStart.Add(40 * domain.RetentionDay)
	h.env.RegisterDelayedCallback(func() {
		h.held = false
		h.env.SignalWorkflow(SignalHoldChanged, HoldChanged{Held: false})
	}, lifted.Sub(purgeStart))
	out := h.run(30)
	want := lifted.Add(domain.PurgeLead(domain.RetentionDay))
	if out.Status != domain.RetentionPurged {
		t.Fatalf("result %+v, want purged on %s", out, want)
	}
	if got := h.at[domain.ActionPurgeStarted]; !got.Equal(want) {
		t.Fatalf("started at %s, want %s", got, want)
	}
	if len(h.notices) != 3 || !h.notices[0] || !h.notices[1] || h.notices[2] {
		t.Fatalf("notices %v, want the first, the one for the new date, and the one after", h.notices)
	}
}

// TestThePurgeWaitsOnItsDateUntilEveryAdminWasTold: SendGrid refuses every
// notice from the notice day until day 32; on its date (day 30) the purge
// does not start: it moves on by the lead and tells every admin again, ops
// are told once per date it waited on, and it starts only a whole lead after
// a notice of its date went out.
func TestThePurgeWaitsOnItsDateUntilEveryAdminWasTold(t *testing.T) {
	h := newPurgeHarness(t, 1)
	started, toldAt := h.purgedWithSendGridDownUntil(purgeStart.Add(32 * domain.RetentionDay))
	if toldAt.IsZero() || started.Sub(toldAt) < domain.PurgeLead(domain.RetentionDay)-time.Minute {
		t.Fatalf("started on %s, its notice accepted on %s: want the whole lead between", started, toldAt)
	}
	if len(h.opsTold) == 0 || !h.opsTold[0].Equal(purgeStart.Add(30*domain.RetentionDay)) || len(h.opsTold) > 2 {
		t.Fatalf("ops told %v, want once for each date the purge waited on", h.opsTold)
	}
}

// TestAHoldLiftedFromAPurgeThatBeganGivesTheLeadAgain: the purge begins on
// day 30, a hold stops it after a batch, and a (stolen) session lifts the
// hold on day 40: the rest waits for the lead from the lift, announced again,
// where it used to go on at once.
func TestAHoldLiftedFromAPurgeThatBeganGivesTheLeadAgain(t *testing.T) {
	h := newPurgeHarness(t, 3)
	h.holdAt = 2
	lifted := purgeStart.Add(40 * domain.RetentionDay)
	h.env.RegisterDelayedCallback(func() {
		h.held = false
		h.env.SignalWorkflow(SignalHoldChanged, HoldChanged{Held: false})
	}, lifted.Sub(purgeStart))
	out := h.run(30)
	if out.Status != domain.RetentionPurged || out.PurgedMessages != 3*domain.PurgeBatchSize {
		t.Fatalf("result %+v", out)
	}
	if done, want := h.at[domain.ActionMessagesPurged], lifted.Add(domain.PurgeLead(domain.RetentionDay)); done.Before(want) {
		t.Fatalf("the rest was purged on %s, before the lead from the lift (%s)", done, want)
	}
	if soon := count(boolsAsActions(h.notices), "soon"); soon != 2 {
		t.Fatalf("notices %v: want the first and one for the new date", h.notices)
	}
}

// TestHoldsSetAndLiftedOverAndOverTellTheAdminsOnce: within the lead a
// (stolen) session sets and lifts the hold 20 times, a minute apart; the
// admins are told of the new date once or twice (the date is rounded up to
// the hour), not once per lift.
func TestHoldsSetAndLiftedOverAndOverTellTheAdminsOnce(t *testing.T) {
	h := newPurgeHarness(t, 1)
	for i := 0; i < 20; i++ {
		at := 25*domain.RetentionDay + time.Duration(2*i)*time.Minute
		h.env.RegisterDelayedCallback(func() {
			h.env.SignalWorkflow(SignalHoldChanged, HoldChanged{Held: true})
		}, at)
		h.env.RegisterDelayedCallback(func() {
			h.env.SignalWorkflow(SignalHoldChanged, HoldChanged{Held: false})
		}, at+time.Minute)
	}
	h.run(30)
	if soon := count(boolsAsActions(h.notices), "soon"); soon > 3 {
		t.Fatalf("%d notices before the purge to every admin: one per lift", soon)
	}
}

func boolsAsActions(soon []bool) []domain.Action {
	out := make([]domain.Action, len(soon))
	for i, s := range soon {
		out[i] = "done"
		if s {
			out[i] = "soon"
		}
	}
	return out
}

// TestANoticeAcceptedLateMovesThePurgeOn: SendGrid comes back 22 hours
// after the notice day; the notice of the date then goes out, but it leaves
// the admins less than the lead, so the purge moves on by the lead (it used
// to start on its date with six days' notice).
func TestANoticeAcceptedLateMovesThePurgeOn(t *testing.T) {
	h := newPurgeHarness(t, 1)
	started, toldAt := h.purgedWithSendGridDownUntil(purgeStart.Add(23*domain.RetentionDay + 22*time.Hour))
	if toldAt.IsZero() || started.Sub(toldAt) < domain.PurgeLead(domain.RetentionDay)-time.Hour {
		t.Fatalf("started %s, the notice of its date accepted %s: %s of notice, want the lead", started, toldAt, started.Sub(toldAt))
	}
}

// purgedWithSendGridDownUntil runs a 30-day purge with SendGrid refusing
// every notice until back; it says when the purge started and when the
// notice of the date it started on was accepted.
func (h *purgeHarness) purgedWithSendGridDownUntil(back time.Time) (started, toldAt time.Time) {
	h.noticeErr = func() error {
		if h.env.Now().Before(back) {
			return temporal.NewApplicationError("sendgrid: 503", "unavailable")
		}
		return nil
	}
	if out := h.run(30); out.Status != domain.RetentionPurged {
		h.t.Fatalf("result %+v", out)
	}
	started = h.at[domain.ActionPurgeStarted]
	for date, at := range h.toldAt {
		if !date.After(started) && date.Add(time.Hour).After(started) {
			toldAt = at
		}
	}
	return started, toldAt
}

func count(actions []domain.Action, a domain.Action) int {
	n := 0
	for _, x := range actions {
		if x == a {
			n++
		}
	}
	return n
}
