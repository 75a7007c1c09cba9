package workflows

import (
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestAdminsAreNotifiedOnceTheChannelIsRemoved: a completed removal tells
// every admin once, after removal_completed, with who verified the code (as
// the API, which authenticated them, says in its update). Its input is ids,
// actor and status (since r6): the activity reads the rest from the run's row.
func TestAdminsAreNotifiedOnceTheChannelIsRemoved(t *testing.T) {
	h := newHarness(t)
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() {
		h.update(UpdateVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0)), Actor: domain.Actor{UserID: "u-1", IP: "203.0.113.7"}},
			func(domain.Removal, domain.Code, map[string]any) {})
	})
	r := h.run()
	if r.Status != domain.StatusCompleted || len(h.notices) != 1 {
		t.Fatalf("%s, notices %d", r.Status, len(h.notices))
	}
	n := h.notices[0]
	if n.Status != domain.StatusCompleted || n.Actor.UserID != "u-1" || n.Actor.IP != "203.0.113.7" || n.RemovalID != "remove-channel:ch-1" ||
		n.ChannelName != "" || n.AccountID != "" || n.ChannelID != "" || !n.At.IsZero() {
		t.Fatalf("notice %+v", n)
	}
}

// TestAdminsAreNotifiedOnceAtTheFirstWarning: completed_with_warnings tells
// the admins at once, with Meta's error, and a retry that completes the
// removal later sends nothing more.
func TestAdminsAreNotifiedOnceAtTheFirstWarning(t *testing.T) {
	h := newHarness(t)
	h.unlinks = []func() activities.AttemptResult{permanentUnlink, doneUnlink}
	h.at(time.Minute, func() { h.signal(SignalAcknowledge, ack()) })
	h.at(2*time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hashOf(h.code(0))}) })
	var atWarning int
	h.at(time.Hour, func() {
		atWarning = len(h.notices)
		h.signal(SignalRetryUnlink, ActorRequest{})
	})
	r := h.run()
	if r.Status != domain.StatusCompleted || atWarning != 1 || len(h.notices) != 1 {
		t.Fatalf("%s, notices at the warning %d, in all %d", r.Status, atWarning, len(h.notices))
	}
	if n := h.notices[0]; n.Status != domain.StatusCompletedWithWarnings || !strings.Contains(n.MetaError, "190") {
		t.Fatalf("notice %+v", n)
	}
}

// TestNothingIsAnnouncedWhenNothingWasRemoved: cancelled, expired and
// rejected removals change nothing, and tell nobody.
func TestNothingIsAnnouncedWhenNothingWasRemoved(t *testing.T) {
	for name, prep := range map[string]func(h *harness){
		"cancelled": func(h *harness) { h.at(time.Minute, func() { h.signal(SignalCancel, ActorRequest{}) }) },
		"expired":   func(h *harness) {},
		"rejected": func(h *harness) {
			h.preflight.OK, h.preflight.Reasons = false, []domain.Reason{{Code: domain.CodeActiveAttendances, Message: "x"}}
		},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t)
			prep(h)
			if r := h.run(); string(r.Status) != name || len(h.notices) != 0 {
				t.Fatalf("%s, notices %d", r.Status, len(h.notices))
			}
		})
	}
}
