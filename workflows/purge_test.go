package workflows

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// purgeHarness runs PurgeMessagesWorkflow on the test clock, its store a
// channel of batches messages per batch and a hold the test sets.
type purgeHarness struct {
	t       *testing.T
	env     *testsuite.TestWorkflowEnvironment
	batches int // batches of messages left
	held    bool
	// holdAt: the hold is set as this many batches are left (0: never).
	holdAt  int
	records []domain.Action
	notices []bool // soon, in order
	at      map[domain.Action]time.Time
	actors  map[domain.Action]domain.Actor
	totals  domain.Purge
	// noticeErr, when set, is what a NotifyPurge call returns (nil: sent).
	noticeErr func() error
	// told: the dates whose notice every admin got; opsTold: ops' alerts
	// of a purge waiting for it.
	told    map[time.Time]bool
	toldAt  map[time.Time]time.Time
	opsTold []time.Time
}

func newPurgeHarness(t *testing.T, batches int) *purgeHarness {
	var s testsuite.WorkflowTestSuite
	h := &purgeHarness{t: t, env: s.NewTestWorkflowEnvironment(), batches: batches, at: map[domain.Action]time.Time{},
		actors: map[domain.Action]domain.Actor{}, told: map[time.Time]bool{}, toldAt: map[time.Time]time.Time{}}
	h.env.RegisterWorkflowWithOptions(PurgeMessagesWorkflow, PurgeOptions())
	h.env.RegisterActivity(a)
	h.env.OnActivity(a.RecordPurge, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PurgeRecordInput) error {
		h.records = append(h.records, in.Action)
		h.at[in.Action] = h.env.Now()
		h.actors[in.Action] = in.Actor
		return nil
	})
	h.env.OnActivity(a.StartPurge, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PurgeRecordInput) (bool, error) {
		if h.held {
			return true, nil
		}
		h.records = append(h.records, in.Action)
		h.at[in.Action] = h.env.Now()
		return false, nil
	})
	h.env.OnActivity(a.PurgeBatch, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PurgeBatchInput) (activities.PurgeBatchResult, error) {
		var b domain.PurgeBatch
		if h.holdAt > 0 && h.batches == h.holdAt {
			h.held, h.holdAt = true, 0
		}
		switch {
		case h.held:
			b.Held = true
		case h.batches == 0:
			b.Done = true
		default:
			h.batches--
			b.Messages, b.Conversations = int64(in.Size), 10
			h.totals.PurgedMessages += b.Messages
			h.totals.PurgedConversations += b.Conversations
		}
		return activities.PurgeBatchResult{Batch: b, Purge: h.totals}, nil
	})
	h.env.RegisterWorkflowWithOptions(SecurityNoticeWorkflow, NoticeOptions())
	h.env.OnActivity(a.PurgeHeld, mock.Anything, mock.Anything).Return(func(context.Context, activities.PurgeBatchInput) (bool, error) {
		return h.held, nil
	})
	h.env.OnActivity(a.NotifyPurge, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PurgeNoticeInput) (int, error) {
		if h.noticeErr != nil {
			if err := h.noticeErr(); err != nil {
				return 0, err
			}
		}
		h.notices = append(h.notices, in.Soon)
		if in.Soon && !h.told[in.Purge.PurgeAt] {
			h.told[in.Purge.PurgeAt], h.toldAt[in.Purge.PurgeAt] = true, h.env.Now()
		}
		return 2, nil
	})
	h.env.OnActivity(a.PurgeUntold, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PurgeNoticeInput) (int, error) {
		at, told := h.toldAt[in.Purge.PurgeAt]
		if told && (in.RetentionDay == 0 || domain.ToldInTime(at, in.Purge.PurgeAt, in.RetentionDay)) {
			return 0, nil
		}
		return 2, nil
	})
	h.env.OnActivity(a.AlertPurgeWaits, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PurgeWaitInput) (bool, error) {
		h.opsTold = append(h.opsTold, in.Purge.PurgeAt)
		return true, nil
	})
	return h
}

var purgeStart = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

func (h *purgeHarness) run(days int) domain.Purge {
	h.env.SetStartTime(purgeStart)
	p := domain.Purge{ChannelID: "ch-1", AccountID: "acc-1", RemovalID: "remove-channel:ch-1", PurgeAfterDays: days,
		PurgeAt: purgeStart.Add(time.Duration(days) * domain.RetentionDay), Status: domain.RetentionScheduled}
	h.env.ExecuteWorkflow(PurgeWorkflowName, PurgeInput{Purge: p, RemovalRunID: "run-1", ChannelName: "WhatsApp"})
	var out domain.Purge
	if err := h.env.GetWorkflowResult(&out); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// TestThePurgeWaitsForItsDateAndTellsTheAdminsBeforeAndAfter: the notice
// goes 7 days before, once; the batches start on the date and run until
// nothing is left; the totals are the batches'.
func TestThePurgeWaitsForItsDateAndTellsTheAdminsBeforeAndAfter(t *testing.T) {
	h := newPurgeHarness(t, 3)
	out := h.run(30)
	if out.Status != domain.RetentionPurged || out.PurgedMessages != 3*domain.PurgeBatchSize || out.PurgedConversations != 30 {
		t.Fatalf("result %+v", out)
	}
	if len(h.notices) != 2 || !h.notices[0] || h.notices[1] {
		t.Fatalf("notices %v, want one before and one after", h.notices)
	}
	if got, want := h.at[domain.ActionPurgeStarted], purgeStart.Add(30*domain.RetentionDay); !got.Equal(want) {
		t.Fatalf("started at %s, want %s", got, want)
	}
	if got := h.records; len(got) != 2 || got[0] != domain.ActionPurgeStarted || got[1] != domain.ActionMessagesPurged {
		t.Fatalf("records %v", got)
	}
}

// TestAMovedPurgeIsAnnouncedForItsNewDateAndACancelledOneNeverRuns: moved
// after its notice, the purge is announced again for the new date; cancelled,
// it ends with nothing deleted, and a move after that is refused.
func TestAMovedPurgeIsAnnouncedForItsNewDateAndACancelledOneNeverRuns(t *testing.T) {
	h := newPurgeHarness(t, 1)
	h.env.RegisterDelayedCallback(func() { // after the notice (day 23)
		h.env.SignalWorkflow(SignalMovePurge, MovePurgeRequest{PurgeAt: purgeStart.Add(60 * domain.RetentionDay)})
	}, 25*domain.RetentionDay)
	h.env.RegisterDelayedCallback(func() { // after the second notice (day 53)
		h.env.UpdateWorkflow(UpdateCancelPurge, "c1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("cancel refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {}}, ActorRequest{})
	}, 55*domain.RetentionDay)
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateMovePurge, "m2", &testsuite.TestUpdateCallback{
			OnReject: func(err error) {}, OnAccept: func() { t.Error("a move of a cancelled purge was accepted") }, OnComplete: func(any, error) {}},
			MovePurgeRequest{PurgeAt: purgeStart.Add(90 * domain.RetentionDay)})
	}, 55*domain.RetentionDay+time.Second)
	out := h.run(30)
	if out.Status != domain.RetentionCancelled || h.batches != 1 {
		t.Fatalf("result %+v, batches left %d", out, h.batches)
	}
	if len(h.notices) != 2 || !h.notices[0] || !h.notices[1] {
		t.Fatalf("notices %v, want one for each date", h.notices)
	}
	if got := h.records; len(got) != 2 || got[0] != domain.ActionPurgeMoved || got[1] != domain.ActionPurgeCancelled {
		t.Fatalf("records %v", got)
	}
}

// TestAHoldStopsThePurgeMidWayAndItGoesOnOnceLifted: a hold the batch finds
// (in its transaction) stops the purge between batches; lifted, it goes on
// where it was once the admins' lead from the lift has passed (since r5:
// purge_lead_test.go), its totals those of every batch.
func TestAHoldStopsThePurgeMidWayAndItGoesOnOnceLifted(t *testing.T) {
	h := newPurgeHarness(t, 4)
	h.holdAt = 2 // after two batches
	h.env.RegisterDelayedCallback(func() {
		h.held = false
		h.env.SignalWorkflow(SignalHoldChanged, HoldChanged{Held: false})
	}, 40*domain.RetentionDay)
	out := h.run(30)
	if out.Status != domain.RetentionPurged || out.PurgedMessages != 4*domain.PurgeBatchSize || h.batches != 0 {
		t.Fatalf("result %+v", out)
	}
	want := []domain.Action{domain.ActionPurgeStarted, domain.ActionPurgeHeld, domain.ActionPurgeResumed, domain.ActionPurgeStarted, domain.ActionMessagesPurged}
	if len(h.records) != len(want) {
		t.Fatalf("records %v, want %v", h.records, want)
	}
	for i := range want {
		if h.records[i] != want[i] {
			t.Fatalf("records %v, want %v", h.records, want)
		}
	}
}

// TestTheRetentionChosenTravelsToThePurge: the acknowledgement's
// purge_after_days is recorded with the first code, dated from the
// tombstone and handed, once, to SchedulePurge; the document carries it.
// Keeping the history (0) schedules nothing; a retention not offered, by
// signal, keeps the history with a note.
func TestTheRetentionChosenTravelsToThePurge(t *testing.T) {
	for _, days := range []int{90, 0, 45} {
		h := newHarness(t)
		var recorded []int
		h.onSend = func(in activities.SendCodeInput) { recorded = append(recorded, in.PurgeAfterDays) }
		var scheduled []activities.SchedulePurgeInput
		h.env.OnActivity(a.SchedulePurge, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SchedulePurgeInput) error {
			scheduled = append(scheduled, in)
			return nil
		})
		var removedAt time.Time
		h.deleteFn = func(in activities.DeleteInput) (activities.DeleteResult, error) {
			removedAt = h.env.Now()
			return activities.DeleteResult{Subscription: true}, nil
		}
		h.at(time.Second, func() { h.signal(SignalAcknowledge, AcknowledgeRequest{Acknowledged: true, PurgeAfterDays: days}) })
		h.at(time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hash}) })
		doc := h.run()
		switch days {
		case 90:
			want := removedAt.Add(90 * domain.RetentionDay)
			if len(scheduled) != 1 || scheduled[0].Purge.PurgeAfterDays != 90 || !scheduled[0].Purge.PurgeAt.Equal(want) || scheduled[0].Purge.AccountID != "acc-1" {
				t.Fatalf("scheduled %+v, want one purge on %s", scheduled, want)
			}
			if rt := doc.Retention; rt == nil || rt.Status != domain.RetentionScheduled || rt.PurgeAt == nil || !rt.PurgeAt.Equal(want) {
				t.Fatalf("document retention %+v", rt)
			}
			if len(recorded) != 1 || recorded[0] != 90 {
				t.Fatalf("recorded with the code: %v", recorded)
			}
		default:
			if len(scheduled) != 0 || doc.Retention == nil || doc.Retention.Status != domain.RetentionKept {
				t.Fatalf("days %d: scheduled %+v, retention %+v", days, scheduled, doc.Retention)
			}
		}
		if days == 45 && (len(doc.Notes) == 0 || !strings.Contains(strings.Join(doc.Notes, " "), "purge_after_days ignorado")) {
			t.Fatalf("a retention not offered, by signal: notes %v", doc.Notes)
		}
	}
}

// TestAHoldLiftedWithoutItsSignalIsFoundByTheNextReading: the API lifts the
// hold in Postgres and its signal is lost; the held purge reads the hold
// again every retention day and goes on (it used to stay held for ever).
func TestAHoldLiftedWithoutItsSignalIsFoundByTheNextReading(t *testing.T) {
	h := newPurgeHarness(t, 2)
	h.held = true
	h.env.RegisterDelayedCallback(func() { h.held = false }, 40*domain.RetentionDay+time.Hour) // no signal
	out := h.run(30)
	if out.Status != domain.RetentionPurged || h.batches != 0 {
		t.Fatalf("result %+v, batches left %d", out, h.batches)
	}
	resumed := h.at[domain.ActionPurgeResumed]
	if want := purgeStart.Add(41 * domain.RetentionDay); resumed.Before(want.Add(-time.Hour)) || resumed.After(want.Add(time.Hour)) {
		t.Fatalf("resumed at %s, want the first reading after the hold was lifted (%s)", resumed, want)
	}
	if h.actors[domain.ActionPurgeResumed] != domain.ActorRetention {
		t.Fatalf("resumed by %+v", h.actors[domain.ActionPurgeResumed])
	}
}

// TestAPurgeAnswersOnItsNoticeDayWhateverSendGridDoes: SendGrid down on the
// notice day; an admin's cancel an hour later is acted on at once (the
// notice is a workflow of its own, retried apart), where the purge used to
// wait for the notice's day of retries first.
func TestAPurgeAnswersOnItsNoticeDayWhateverSendGridDoes(t *testing.T) {
	h := newPurgeHarness(t, 1)
	h.noticeErr = func() error { return temporal.NewApplicationError("sendgrid: 503", "unavailable") }
	asked := purgeStart.Add(23*domain.RetentionDay + time.Hour) // the notice went out at day 23
	h.env.RegisterDelayedCallback(func() {
		h.env.UpdateWorkflow(UpdateCancelPurge, "c1", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { t.Errorf("cancel refused: %v", err) }, OnAccept: func() {}, OnComplete: func(any, error) {}}, ActorRequest{})
	}, asked.Sub(purgeStart))
	out := h.run(30)
	if out.Status != domain.RetentionCancelled {
		t.Fatalf("result %+v", out)
	}
	if took := h.at[domain.ActionPurgeCancelled].Sub(asked); took > time.Minute {
		t.Fatalf("the cancel was acted on %s after it was asked", took)
	}
}
