package workflows

import (
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// The purge's lead (purge_lead.go): a stolen admin session cannot hasten a
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
// does not start, ops are told once, the notice is told again, and the purge
// starts only after it went out.
func TestThePurgeWaitsOnItsDateUntilEveryAdminWasTold(t *testing.T) {
	h := newPurgeHarness(t, 1)
	back := purgeStart.Add(32 * domain.RetentionDay)
	h.noticeErr = func() error {
		if h.env.Now().Before(back) {
			return temporal.NewApplicationError("sendgrid: 503", "unavailable")
		}
		return nil
	}
	out := h.run(30)
	if out.Status != domain.RetentionPurged {
		t.Fatalf("result %+v", out)
	}
	started := h.at[domain.ActionPurgeStarted]
	if started.Before(back) || started.After(back.Add(domain.RetentionDay/4+time.Minute)) {
		t.Fatalf("started at %s, want the first reading after the notice went out (%s)", started, back)
	}
	if len(h.opsTold) != 1 || !h.opsTold[0].Equal(purgeStart.Add(30*domain.RetentionDay)) {
		t.Fatalf("ops told %v, want once for the date", h.opsTold)
	}
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
