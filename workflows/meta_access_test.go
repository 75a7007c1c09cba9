package workflows

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestMetaAccessLostDisconnectsThenNotifiesEachAccountOnce: each event's
// channels are disconnected (a failed try is retried, not lost), then every
// account's admins are told once, of all its channels at once.
func TestMetaAccessLostDisconnectsThenNotifiesEachAccountOnce(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(MetaAccessLostWorkflow, MetaAccessLostOptions())
	env.RegisterActivity(a)
	tries := 0
	env.OnActivity(a.DisconnectChannels, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DisconnectInput) ([]domain.DisconnectedChannel, error) {
			tries++
			if tries == 1 {
				return nil, errors.New("connection refused") // the database away: retried
			}
			if in.Event.WABAID == "W1" {
				return []domain.DisconnectedChannel{{ID: "c1", AccountID: "acc-1", WABAID: "W1", Event: in.Event.Event},
					{ID: "c2", AccountID: "acc-2", WABAID: "W1", Event: in.Event.Event}}, nil
			}
			return []domain.DisconnectedChannel{{ID: "c3", AccountID: "acc-1", WABAID: "W2", Event: in.Event.Event}}, nil
		})
	var notices []activities.DisconnectionNoticeInput
	env.OnActivity(a.NotifyDisconnected, mock.Anything, mock.Anything).Return(
		func(_ context.Context, in activities.DisconnectionNoticeInput) (int, error) {
			notices = append(notices, in)
			return 2, nil
		})
	env.ExecuteWorkflow(MetaAccessLostWorkflowName, MetaAccessLostInput{DeliveryID: "d1",
		Events: []domain.AccessLost{{WABAID: "W1", Event: "PARTNER_REMOVED"}, {WABAID: "W2", Event: "PARTNER_REMOVED"}}})
	var res MetaAccessLostResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if tries != 3 || len(res.Disconnected) != 3 || res.Notified != 4 || len(notices) != 2 {
		t.Fatalf("tries %d, result %+v, notices %d", tries, res, len(notices))
	}
	if n := notices[0]; n.AccountID != "acc-1" || len(n.Channels) != 2 || n.Channels[1].ID != "c3" || n.DeliveryID != "d1" {
		t.Fatalf("acc-1's notice: %+v", n)
	}
	if n := notices[1]; n.AccountID != "acc-2" || len(n.Channels) != 1 {
		t.Fatalf("acc-2's notice: %+v", n)
	}
}
