package workflows

import (
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

func TestHappyPathBySignalsWithQueryAtEachStage(t *testing.T) {
	h := newHarness(t)
	seen := map[string]domain.Removal{}
	h.at(30*time.Second, func() { seen["before ack"] = h.query() })
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(90*time.Second, func() { seen["after ack"] = h.query() })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	r := h.run()

	if b := seen["before ack"]; b.Status != domain.StatusAwaitingAcknowledgement || b.Impact == nil || !b.Impact.OfficialIntegration ||
		b.ID != "remove-channel:ch-1" || b.AccountID != "acc-1" || b.CodeExpiresAt != nil {
		t.Fatalf("before ack: %+v", b)
	}
	if a := seen["after ack"]; a.Status != domain.StatusAwaitingCode || a.CodeExpiresAt == nil || a.AttemptsLeft != 5 || a.CodeSentTo != "a***@demo.local" {
		t.Fatalf("after ack: %+v", a)
	}
	if r.Status != domain.StatusCompleted || r.CompletedAt == nil || r.MetaUnlink.Status != "unlinked" || h.deleted != 1 {
		t.Fatalf("result: %+v", r)
	}
	if !strings.Contains(strings.Join(r.Notes, " "), "Meta Business") {
		t.Fatalf("WhatsApp Business API note missing: %v", r.Notes)
	}
	h.wantStatuses(domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode,
		domain.StatusUnlinking, domain.StatusCompleted)
	if h.accounts[len(h.accounts)-1] != "acc-1" {
		t.Fatalf("AccountId not upserted: %v", h.accounts)
	}
	if strings.Join(h.audits, ",") != "acknowledged,removal_completed" {
		t.Fatalf("audits: %v", h.audits)
	}
}

func TestHappyPathByUpdates(t *testing.T) {
	h := newHarness(t)
	h.at(time.Second, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: "x"}, func(_ domain.Removal, code domain.Code, _ map[string]any) {
			if code != domain.CodeInvalidState {
				t.Errorf("verify before ack: %s", code)
			}
		})
		h.update(UpdateAcknowledge, AcknowledgeRequest{}, func(_ domain.Removal, code domain.Code, _ map[string]any) {
			if code != domain.CodeInvalid {
				t.Errorf("ack without acknowledged=true: %s", code)
			}
		})
	})
	h.at(time.Minute, func() {
		h.update(UpdateAcknowledge, ack(), func(doc domain.Removal, code domain.Code, _ map[string]any) {
			if code != "" || doc.Status != domain.StatusAwaitingCode {
				t.Errorf("ack: %s %+v", code, doc)
			}
		})
	})
	h.at(70*time.Second, func() {
		h.update(UpdateAcknowledge, ack(), func(_ domain.Removal, code domain.Code, _ map[string]any) {
			if code != domain.CodeInvalidState {
				t.Errorf("second ack: %s", code)
			}
		})
	})
	h.at(2*time.Minute, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf("999999")}, func(_ domain.Removal, code domain.Code, f map[string]any) {
			if code != domain.CodeInvalidCode || num(f["attempts_left"]) != 4 {
				t.Errorf("wrong code: %s %v", code, f)
			}
		})
	})
	h.at(150*time.Second, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}, func(doc domain.Removal, code domain.Code, _ map[string]any) {
			if code != "" || doc.Status != domain.StatusRemoving {
				t.Errorf("right code: %s %+v", code, doc)
			}
		})
	})
	if r := h.run(); r.Status != domain.StatusCompleted || r.AttemptsLeft != 4 {
		t.Fatalf("%+v", r)
	}
}

func TestAcknowledgementTimeoutExpires(t *testing.T) {
	h := newHarness(t)
	r := h.run()
	if r.Status != domain.StatusExpired || len(h.codes) != 0 || h.deleted != 0 {
		t.Fatalf("%+v codes=%d", r, len(h.codes))
	}
	if got := r.CompletedAt.Sub(r.CreatedAt); got != DefaultAckTimeout {
		t.Fatalf("expired after %v, want %v", got, DefaultAckTimeout)
	}
	h.wantStatuses(domain.StatusAwaitingAcknowledgement, domain.StatusExpired)
}

func TestCodeTimeoutExpires(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	r := h.run()
	if r.Status != domain.StatusExpired || h.deleted != 0 || r.CompletedAt.Sub(r.CreatedAt) != 11*time.Minute {
		t.Fatalf("%+v", r)
	}
}

func TestResendThenNewCodeWorksAndOldFails(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(90*time.Second, func() {
		h.update(UpdateResendCode, ActorRequest{}, func(_ domain.Removal, code domain.Code, f map[string]any) {
			if code != domain.CodeResendTooSoon || num(f["retry_after"]) != 30 {
				t.Errorf("early resend: %s %v", code, f)
			}
		})
	})
	h.at(3*time.Minute, func() { h.signal(SignalResendCode, ActorRequest{}) })
	h.at(4*time.Minute, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}, func(_ domain.Removal, code domain.Code, _ map[string]any) {
			if code != domain.CodeInvalidCode {
				t.Errorf("old code after resend: %s", code)
			}
		})
	})
	h.at(5*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(1))}) })
	r := h.run()
	if len(h.codes) != 2 || r.Status != domain.StatusCompleted || r.AttemptsLeft != 4 {
		t.Fatalf("codes=%d %+v", len(h.codes), r)
	}
}

func TestResendExtendsTheCodeDeadline(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(9*time.Minute, func() { h.signal(SignalResendCode, ActorRequest{}) })
	h.at(15*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(1))}) })
	if r := h.run(); r.Status != domain.StatusCompleted {
		t.Fatalf("a resent code must be valid for 10 min from its send: %+v", r)
	}
}

func TestFiveWrongCodesLock(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	for i := 0; i < 4; i++ {
		h.at(2*time.Minute+time.Duration(i)*time.Second, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf("000000")}) })
	}
	h.at(3*time.Minute, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf("000000")}, func(_ domain.Removal, code domain.Code, f map[string]any) {
			if code != domain.CodeLocked || num(f["attempts_left"]) != 0 {
				t.Errorf("fifth wrong code: %s %v", code, f)
			}
		})
	})
	r := h.run()
	if r.Status != domain.StatusLocked || r.AttemptsLeft != 0 || h.deleted != 0 {
		t.Fatalf("%+v", r)
	}
}

func TestCancelBeforeAndAfterVerification(t *testing.T) {
	t.Run("awaiting acknowledgement, by update", func(t *testing.T) {
		h := newHarness(t)
		h.at(time.Minute, func() {
			h.update(UpdateCancel, ActorRequest{}, func(doc domain.Removal, code domain.Code, _ map[string]any) {
				if code != "" || doc.Status != domain.StatusCancelled {
					t.Errorf("%s %+v", code, doc)
				}
			})
		})
		if r := h.run(); r.Status != domain.StatusCancelled || len(h.codes) != 0 {
			t.Fatalf("%+v", r)
		}
	})
	t.Run("awaiting code, by signal", func(t *testing.T) {
		h := newHarness(t)
		h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
		h.at(2*time.Minute, func() { h.signal(SignalCancel, ActorRequest{}) })
		if r := h.run(); r.Status != domain.StatusCancelled || h.deleted != 0 {
			t.Fatalf("%+v", r)
		}
		if h.audits[len(h.audits)-1] != "removal_cancelled" {
			t.Fatalf("audits %v", h.audits)
		}
	})
	t.Run("after verification it is refused", func(t *testing.T) {
		h := newHarness(t)
		h.unlinks = []func() activities.AttemptResult{permanentUnlink}
		h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
		h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
		h.at(3*time.Minute, func() {
			h.update(UpdateCancel, ActorRequest{}, func(_ domain.Removal, code domain.Code, _ map[string]any) {
				if code != domain.CodeInvalidState {
					t.Errorf("cancel after verification: %s", code)
				}
			})
			h.signal(SignalCancel, ActorRequest{})
		})
		h.at(4*time.Minute, func() { h.signal(SignalRetryUnlink, ActorRequest{}) })
		h.unlinks = append(h.unlinks, doneUnlink)
		r := h.run()
		if r.Status != domain.StatusCompleted || h.deleted != 1 || !strings.Contains(strings.Join(r.Notes, " "), `"cancel" ignorado`) {
			t.Fatalf("%+v", r)
		}
	})
}

func TestPreflightRejection(t *testing.T) {
	h := newHarness(t)
	h.preflight.OK = false
	h.preflight.Reasons = []domain.Reason{{Code: domain.CodeActiveAttendances, Message: "há 1 atendimento ativo neste canal"}}
	r := h.run()
	if r.Status != domain.StatusRejected || len(r.Reasons) != 1 || r.Reasons[0].Code != domain.CodeActiveAttendances || len(h.codes) != 0 {
		t.Fatalf("%+v", r)
	}
	h.wantStatuses(domain.StatusRejected)
}

func TestAttendanceAppearsBeforeDelete(t *testing.T) {
	h := newHarness(t)
	// The tombstone's refusal is an outcome, with what it found.
	h.deleteRes = activities.DeleteResult{Refused: &domain.Facts{
		ActiveAttendances: []domain.Attendance{{ConversationID: "c9", Contact: "Maria", Status: "open"}},
		Reasons:           []domain.Reason{{Code: domain.CodeActiveAttendances, Message: "o canal tem atendimentos ativos"}}}}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	r := h.run()
	if r.Status != domain.StatusRejected || h.deleted != 1 || len(r.Impact.ActiveAttendances) != 1 || r.Impact.ActiveAttendances[0].Contact != "Maria" {
		t.Fatalf("%+v", r)
	}
}

// Meta's back-off (its usage header, a rate limit) sets the next attempt's
// delay, bounded by an hour, and the step says when the next attempt is due.
func TestMetaBackOffSetsTheNextAttemptsDelay(t *testing.T) {
	for _, c := range []struct{ asked, want time.Duration }{{15 * time.Minute, 15 * time.Minute}, {3 * time.Hour, time.Hour}} {
		h := newHarness(t)
		h.unlinks = []func() activities.AttemptResult{func() activities.AttemptResult {
			return activities.AttemptResult{Outcome: domain.OutcomeTransient, Error: "limite da Meta", RetryAfter: c.asked}
		}, doneUnlink}
		h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
		h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
		var step string
		h.at(2*time.Minute+c.want/2, func() { step = h.query().Step })
		r := h.run()
		if r.Status != domain.StatusCompleted || len(h.attemptsAt) != 2 {
			t.Fatalf("asked %v: %s after %d attempts", c.asked, r.Status, len(h.attemptsAt))
		}
		if gap := h.attemptsAt[1].Sub(h.attemptsAt[0]); gap < c.want || gap > c.want+time.Second {
			t.Fatalf("asked %v: the next attempt came %v later, want %v", c.asked, gap, c.want)
		}
		if !strings.Contains(step, "nova tentativa na Meta em") || !strings.Contains(step, "limite da Meta") {
			t.Fatalf("asked %v: step while waiting %q", c.asked, step)
		}
	}
}

func TestMetaTransientFailuresThenSuccess(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{transientUnlink, transientUnlink, doneUnlink}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	r := h.run()
	if r.Status != domain.StatusCompleted || h.unlinkCalls != 3 || r.MetaUnlink.Attempts != 3 {
		t.Fatalf("calls=%d %+v", h.unlinkCalls, r)
	}
}

func TestMetaPermanentFailureThenRetryUnlinkSucceeds(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{permanentUnlink, doneUnlink}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	var warned domain.Removal
	h.at(time.Hour, func() {
		warned = h.query()
		h.signal(SignalRetryUnlink, ActorRequest{Actor: domain.Actor{UserID: "ops"}})
	})
	r := h.run()
	if warned.Status != domain.StatusCompletedWithWarnings || warned.MetaUnlink.Status != "failed" ||
		!strings.Contains(warned.MetaUnlink.LastError, "190") || !strings.Contains(warned.Step, "retry-unlink") {
		t.Fatalf("while waiting: %+v", warned)
	}
	if r.Status != domain.StatusCompleted || h.unlinkCalls != 2 || r.MetaUnlink.Status != "unlinked" || len(h.opsAlerts) != 0 {
		t.Fatalf("%+v, ops alerts %d", r, len(h.opsAlerts))
	}
	h.wantStatuses(domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode,
		domain.StatusUnlinking, domain.StatusCompletedWithWarnings, domain.StatusUnlinking, domain.StatusCompleted)
}

func TestMetaPermanentFailureUnretriedIsAbandonedAfterTheWindow(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{permanentUnlink}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	r := h.run()
	if r.Status != domain.StatusCompletedWithWarnings || r.MetaUnlink.Status != "abandoned" || h.abandoned != 1 ||
		r.CompletedAt.Sub(r.CreatedAt) < DefaultUnlinkRetryWindow {
		t.Fatalf("%+v", r)
	}
}

func TestUnofficialChannelNeedsNoUnlink(t *testing.T) {
	h := newHarness(t)
	h.preflight.Impact.Kind, h.preflight.Impact.OfficialIntegration = domain.KindWhatsAppWeb, false
	h.deleteRes.Subscription = false
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	r := h.run()
	if r.Status != domain.StatusCompleted || h.unlinkCalls != 0 || r.MetaUnlink.Status != "not_needed" || len(r.Notes) != 0 {
		t.Fatalf("%+v", r)
	}
}

// One coroutine listens to the five signals: the SDK resumes every live
// coroutine on each pass of a workflow task, so idle listeners cost CPU all
// run long. Coroutines are goroutines, so the test counts them in a dump.
func TestOneCoroutineListensToTheSignals(t *testing.T) {
	h := newHarness(t)
	listeners := -1
	h.at(30*time.Second, func() {
		// The dump is the whole process's: an earlier test's coroutines may
		// still be unwinding on a loaded machine, so a count above one is
		// looked at again for a while; this run's own listeners stay.
		for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			buf := make([]byte, 1<<22)
			dump := string(buf[:runtime.Stack(buf, true)])
			listeners = 0
			for _, g := range strings.Split(dump, "\n\n") {
				if strings.Contains(g, "listen.func") { // listen's coroutine, inlined or not
					listeners++
				}
			}
			if listeners <= 1 || time.Now().After(deadline) {
				return
			}
		}
	})
	h.at(time.Minute, func() { h.signal(SignalCancel, ActorRequest{}) })
	if r := h.run(); r.Status != domain.StatusCancelled {
		t.Fatalf("status %s, want cancelled by the signal", r.Status)
	}
	if listeners != 1 {
		t.Fatalf("%d coroutines listen to signals, want 1", listeners)
	}
}

// With no Meta unlink owed, the removal completes in the verification's own
// workflow task, and the verification is answered with the outcome.
func TestVerificationWithNothingOwedIsAnsweredWithTheOutcome(t *testing.T) {
	h := newHarness(t)
	h.preflight.Impact.Kind, h.preflight.Impact.OfficialIntegration = domain.KindEmail, false
	h.deleteRes.Subscription = false
	var answer domain.Removal
	h.at(time.Minute, func() {
		h.update(UpdateAcknowledge, AcknowledgeRequest{Acknowledged: true}, func(domain.Removal, domain.Code, map[string]any) {})
	})
	h.at(2*time.Minute, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}, func(doc domain.Removal, code domain.Code, _ map[string]any) {
			if code != "" {
				t.Errorf("verify refused: %s", code)
			}
			answer = doc
		})
	})
	if r := h.run(); r.Status != domain.StatusCompleted {
		t.Fatalf("%+v", r)
	}
	if answer.Status != domain.StatusCompleted || answer.MetaUnlink.Status != "not_needed" || answer.CompletedAt == nil {
		t.Fatalf("verification answered %s (unlink %s), want the outcome", answer.Status, answer.MetaUnlink.Status)
	}
}

// An acknowledgement that reaches the run before its first task has run (one
// that waited while that task was redone after a crash: the SDK hands it to
// its validator as soon as setup registers the handler) is answered once the
// preflight is done: never judged on a state the run has not built yet.
func TestAcknowledgementBeforeTheFirstTaskIsAnsweredAfterThePreflight(t *testing.T) {
	h := newHarness(t)
	h.at(0, func() { // before the workflow function starts
		h.update(UpdateAcknowledge, ack(), func(doc domain.Removal, code domain.Code, _ map[string]any) {
			if code != "" || doc.Status != domain.StatusAwaitingCode {
				t.Errorf("ack before the first task: %s %+v", code, doc)
			}
		})
	})
	h.at(time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	if r := h.run(); r.Status != domain.StatusCompleted {
		t.Fatalf("result: %+v", r)
	}
}

// An acknowledgement queued before a preflight that rejects is refused with
// the state the run ended in.
func TestAcknowledgementBeforeARejectingPreflightIsRefused(t *testing.T) {
	h := newHarness(t)
	h.preflight.OK, h.preflight.Reasons = false, []domain.Reason{{Code: domain.CodeActiveAttendances, Message: "há 1 atendimento ativo"}}
	h.at(0, func() {
		h.update(UpdateAcknowledge, ack(), func(doc domain.Removal, code domain.Code, f map[string]any) {
			if code != domain.CodeInvalidState || f["status"] != string(domain.StatusRejected) {
				t.Errorf("ack before a rejecting preflight: %s %v", code, f)
			}
		})
	})
	if r := h.run(); r.Status != domain.StatusRejected {
		t.Fatalf("result: %+v", r)
	}
}

// A retry-unlink signal that names nobody (temporal workflow signal … --input
// '{}') is audited as ops'.
func TestRetryUnlinkBySignalAloneIsAuditedAsOps(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{permanentUnlink, doneUnlink}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	h.at(time.Hour, func() { h.signal(SignalRetryUnlink, map[string]any{}) })
	if r := h.run(); r.Status != domain.StatusCompleted {
		t.Fatalf("result: %+v", r)
	}
	if a, ok := h.auditActors["retry_unlink_requested"]; !ok || a != domain.ActorOpsTemporal {
		t.Fatalf("retry_unlink_requested audited: %v by %+v (audits %v)", ok, a, h.audits)
	}
}

// TestRetryUnlinkRoundsAreBounded: ops pressing retry-unlink over and over
// (Meta refusing each time) get MaxRetryUnlinkRounds rounds; the next ones are
// refused with a note, and the window still ends the removal, its history
// bounded however often the button is pressed.
func TestRetryUnlinkRoundsAreBounded(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{permanentUnlink}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	for i := 0; i < domain.MaxRetryUnlinkRounds+5; i++ {
		h.at(time.Hour+time.Duration(i)*time.Hour, func() { h.signal(SignalRetryUnlink, ActorRequest{}) })
	}
	r := h.run()
	if h.unlinkCalls != 1+domain.MaxRetryUnlinkRounds {
		t.Fatalf("%d calls to Meta, want the first and %d rounds", h.unlinkCalls, domain.MaxRetryUnlinkRounds)
	}
	if r.Status != domain.StatusCompletedWithWarnings || r.MetaUnlink.Status != domain.UnlinkAbandoned ||
		strings.Count(strings.Join(r.Notes, " "), "novas tentativas na Meta") != 1 {
		t.Fatalf("%+v: want the refusal noted once, however often it came", r)
	}
}
