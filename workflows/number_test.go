package workflows

import (
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestReleaseNumberBySignalAlone: the acknowledge signal's release_number
// reaches the first code's send (audited) and the tombstone (the number's
// job); without it neither asks for a release.
func TestReleaseNumberBySignalAlone(t *testing.T) {
	for _, release := range []bool{true, false} {
		h := newHarness(t)
		var sent, deleted []bool
		h.deleteFn = func(in activities.DeleteInput) (activities.DeleteResult, error) {
			deleted = append(deleted, in.ReleaseNumber)
			return activities.DeleteResult{Subscription: true, Number: in.ReleaseNumber}, nil
		}
		h.onSend = func(in activities.SendCodeInput) { sent = append(sent, in.ReleaseNumber) }
		h.at(time.Second, func() {
			if n := h.query().MetaUnlink.Number; n == nil || n.Status != domain.NumberNotRequested {
				t.Errorf("before the acknowledgement: number %+v", n)
			}
			h.signal(SignalAcknowledge, AcknowledgeRequest{Acknowledged: true, ReleaseNumber: release})
		})
		h.at(time.Minute, func() { h.signal(SignalVerifyCode, VerifyCodeRequest{CodeHash: h.hash}) })
		doc := h.run()
		if len(sent) != 1 || sent[0] != release || len(deleted) != 1 || deleted[0] != release {
			t.Fatalf("release %v: sends %v, tombstones %v", release, sent, deleted)
		}
		want := domain.NumberNotRequested
		if release {
			want = domain.NumberReleased
		}
		if doc.Status != domain.StatusCompleted || doc.MetaUnlink.Number == nil || doc.MetaUnlink.Number.Status != want || release != (h.numberCalls == 1) {
			t.Fatalf("release %v: %s, number %+v", release, doc.Status, doc.MetaUnlink.Number)
		}
	}
}
