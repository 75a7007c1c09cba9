package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
)

// Meta's retries and replays of a webhook delivery: made good when the API
// could not start its run, and never applied twice.

func deliveryID(body string) string {
	sum := sha256.Sum256([]byte(body))
	return hex.EncodeToString(sum[:])
}

// TestADeliveryTheAPICouldNotStartIsMadeGoodByMetasRetry: Temporal away, the
// API records the delivery and answers 503; nothing is lost, because Meta's
// repeat of it (answered 200 by a healthy API) starts its run. And the run
// is durable: with no worker yet, the answer is 200 and the channels are
// disconnected once a worker comes.
func TestADeliveryTheAPICouldNotStartIsMadeGoodByMetasRetry(t *testing.T) {
	s := newStack(t)
	s.start(false)
	waba := "WLATE-" + s.account[:8]
	ch := s.channel("whatsapp_cloud", waba, "")
	body := accountUpdate("PARTNER_REMOVED", waba)

	dead := unreachableTemporal(t)
	healthy := s.http
	down := httptest.NewServer(api.New(api.Config{Store: s.store, Deliveries: api.TemporalDeliveries{Client: dead},
		MetaAppSecret: metaAppSecret, Log: quietLog()}).Handler())
	defer down.Close()
	s.http = down
	s.want(s.deliver(body, sign(body)), 503, "unavailable")
	s.http = healthy

	s.want(s.deliver(body, sign(body)), 200, "") // Meta's retry; no worker is running yet
	time.Sleep(500 * time.Millisecond)
	if s.channelStatus(ch) != "active" {
		t.Fatal("the API did the work itself")
	}
	s.startWorker()
	s.eventually(func() bool { return s.channelStatus(ch) == "disconnected" && len(s.disconnectionNotices()) == 1 })
}

// TestAReplayedDeliveryChangesNothingEver: once a delivery is processed, a
// replay of its exact body starts nothing, even after Temporal's retention has
// dropped its run (here: the run deleted) and a channel was added on the WABA
// since; a delivery whose own time is older than Meta's retries ever are is
// recorded and starts nothing either.
func TestAReplayedDeliveryChangesNothingEver(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ctx := context.Background()
	waba := "WABA-REPLAY-" + s.account[:8]
	first := s.channel("whatsapp_cloud", waba, "")
	body := accountUpdate("PARTNER_REMOVED", waba)
	s.want(s.deliver(body, sign(body)), 200, "")
	run := workflows.MetaDeliveryID(deliveryID(body))
	s.closed(run)
	if st := s.channelStatus(first); st != domain.ChannelDisconnected {
		t.Fatalf("first channel %s", st)
	}
	// Retention passes: the run is gone from Temporal.
	if _, err := s.tc.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace: "default", WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: run}}); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		_, err := s.tc.DescribeWorkflowExecution(ctx, run, "")
		if err != nil {
			t.Logf("deleted: %v", err)
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the run was never deleted")
		}
	}
	// The business shares the WABA with us again; a new channel is added on it.
	added := s.channel("whatsapp_cloud", waba, "")
	s.want(s.deliver(body, sign(body)), 200, "") // the captured delivery, replayed
	stale := strings.Replace(accountUpdate("ACCOUNT_DELETED", waba), fmt.Sprintf(`"time":%d`, time.Now().Unix()),
		fmt.Sprintf(`"time":%d`, time.Now().Add(-30*24*time.Hour).Unix()), 1)
	s.want(s.deliver(stale, sign(stale)), 200, "")
	if _, err := s.tc.DescribeWorkflowExecution(ctx, run, ""); err == nil {
		t.Fatal("the replayed delivery started a run")
	}
	if _, err := s.tc.DescribeWorkflowExecution(ctx, workflows.MetaDeliveryID(deliveryID(stale)), ""); err == nil {
		t.Fatal("the stale delivery started a run")
	}
	if st := s.channelStatus(added); st != domain.ChannelActive {
		t.Fatalf("the channel added since is %s", st)
	}
	var recorded int
	s.store.DB().Get(&recorded, `SELECT count(*) FROM meta_webhook_deliveries`)
	if recorded != 2 {
		t.Fatalf("%d deliveries recorded, want the first and the stale one", recorded)
	}
}
