package e2e

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"

	"github.com/crm/channel-removal/app"
	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

// TestStackRestartBetweenAcknowledgementAndVerification stops the API, the
// worker and the Temporal server itself after the acknowledgement, starts them
// again on the same SQLite file, and finishes the removal.
func TestStackRestartBetweenAcknowledgementAndVerification(t *testing.T) {
	s := newStack(t)
	s.ownTemporal() // stopped below
	s.start(true)
	ch := s.channel("messenger", "", "PR-"+s.account[:8])
	id := s.acknowledged(ch)
	code := s.lastCode()

	s.stop()
	s.own.srv.Stop()
	s.restartTemporal()
	s.start(true)

	if g := s.want(s.do("GET", "/v1/removals/"+id, s.adminToken, nil), 200, ""); g.str("status") != "awaiting_code" {
		t.Fatalf("after restart: %s", g.Raw)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": code}), 200, "")
	s.until(id, "completed")
}

const helperEnv = "CR_E2E_HELPER_WORKER"

// runHelperWorker is a worker process of its own, started by the test below
// and killed with SIGKILL mid-run.
func runHelperWorker() {
	cfg := config.Config{DatabaseURL: os.Getenv("CR_E2E_DSN"), CodeSecret: codeSecret, SendGridAPIKey: "SG.e2e", CredentialsKey: credentialsKey,
		SendGridBaseURL: os.Getenv("CR_E2E_SENDGRID"), MailFrom: "no-reply@localhost", MetaGraphVersion: "v23.0"}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	db, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	tc, err := app.DialTemporal(ctx, os.Getenv("CR_E2E_TEMPORAL"), "default", quietLog())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	acts := app.Parts{Config: cfg, Store: postgres.New(db), Temporal: tc, GraphURL: os.Getenv("CR_E2E_GRAPH"), Log: quietLog()}.Activities()
	if after := os.Getenv(dieAfterEnv); after != "" {
		acts.Store = dyingStore{Store: postgres.New(db), after: after}
	}
	fmt.Println("helper worker ready")
	t := worker.DefaultTuning
	t.Queue = os.Getenv("CR_E2E_QUEUE")
	worker.Run(ctx, tc, acts, t)
}

// unlinkRefused removes a new WhatsApp channel whose Meta unlink Graph refuses
// for good (190, an expired token): the removal waits in
// completed_with_warnings, returned as read.
func (s *stack) unlinkRefused(waba string) (ch, id string, warned resp) {
	s.t.Helper()
	ch = s.channel("whatsapp_cloud", waba+"-"+s.account[:8], "")
	id = s.acknowledged(ch)
	s.graph.FailNext(1, graphsim.Failure{HTTPStatus: 401, Code: 190, Message: "Error validating access token: Session has expired"})
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	return ch, id, s.until(id, "completed_with_warnings")
}

// TestMetaPermanentFailureThenRetryUnlinkSignal shows a 190 from Graph leaving
// the removal completed_with_warnings (visible in the API and by search
// attribute), then ops' retry-unlink signal completing it.
func TestMetaPermanentFailureThenRetryUnlinkSignal(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch, id, w := s.unlinkRefused("WP")
	mu := w.Body["meta_unlink"].(map[string]any)
	if mu["status"] != "failed" || !strings.Contains(mu["last_error"].(string), "190") || w.Body["completed_at"] != nil {
		t.Fatalf("warnings: %s", w.Raw)
	}
	if c, _ := s.store.Channel(context.Background(), ch); c.Status != "removed" {
		t.Fatal("a failed unlink must not undo the removal")
	}
	s.eventually(func() bool {
		res, err := s.tc.ListWorkflow(context.Background(), listReq(fmt.Sprintf("RemovalStatus = 'completed_with_warnings' AND ChannelId = '%s'", ch)))
		return err == nil && len(res.Executions) == 1
	})
	s.wantHistory(id, "completed_with_warnings", false)
	if err := s.tc.SignalWorkflow(context.Background(), id, "", workflows.SignalRetryUnlink, workflows.ActorRequest{Actor: domain.Actor{UserID: "ops"}}); err != nil {
		t.Fatal(err)
	}
	done := s.until(id, "completed")
	if mu := done.Body["meta_unlink"].(map[string]any); mu["status"] != "unlinked" || mu["attempts"].(float64) != 2 {
		t.Fatalf("after retry: %s", done.Raw)
	}
	s.wantHistory(id, "completed", true)
	if got := fmt.Sprint(s.timerSummaries(id)); !strings.Contains(got, "janela para retry-unlink (7 dias)") {
		t.Fatalf("timer summaries: %s", got)
	}
	s.captureHistory(id, "unlink_failed_then_retry.json")
}
