package e2e

import (
	"context"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/postgres"
	"github.com/crm/channel-removal/workflows"
)

// dieAfterEnv makes the helper worker kill itself (SIGKILL) right after it has
// written the audit record named by its value: the moment a kill -9 of the
// whole process lands between a step's effect and Temporal recording it.
const dieAfterEnv = "CR_E2E_DIE_AFTER"

// dyingStore is the helper worker's store under dieAfterEnv.
type dyingStore struct {
	*postgres.Store
	after string
}

func (d dyingStore) AppendAudit(ctx context.Context, e domain.AuditEntry) error {
	err := d.Store.AppendAudit(ctx, e)
	if err == nil && string(e.Action) == d.after {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	return err
}

// TestWholeProcessKilledRightAfterTheStart kills the worker and the Temporal
// server (the whole `dev` process) when the preflight has written its outcome
// but before Temporal recorded it, restarts both, and clicks on at once: the
// start answers only what Temporal recorded (201, or a 503 when nothing could
// be confirmed), and the acknowledgement that follows is accepted — never
// refused for a state the run has not rebuilt yet.
func TestWholeProcessKilledRightAfterTheStart(t *testing.T) {
	s := newStack(t)
	s.ownTemporal() // killed below
	s.start(false)
	kill := s.helperWorker(dieAfterEnv + "=preflight_passed")
	ch := s.channel("whatsapp_cloud", "KP-"+s.account[:8], "")
	id := workflows.WorkflowID(ch)

	started := make(chan resp, 1)
	go func() { started <- s.do("POST", "/v1/channels/"+ch+"/removals", s.adminToken, nil) }()
	s.eventually(func() bool { _, err := s.store.LatestRemoval(context.Background(), id); return err == nil })
	kill() // already dead by its own hand; reaped here
	s.own.srv.Kill()
	s.restartTemporal()
	s.startWorker()

	acked := s.do("POST", "/v1/removals/"+id+"/acknowledge", s.adminToken, map[string]any{"acknowledged": true})
	start := <-started
	switch {
	// awaiting_code when the redone first task also took the acknowledgement.
	case start.Status == 201 && (start.str("status") == "awaiting_acknowledgement" || start.str("status") == "awaiting_code"):
	case start.Status == 503 && start.str("code") == "unavailable":
	default:
		t.Fatalf("start across the crash: %d %s", start.Status, start.Raw)
	}
	if acked.Status != 200 || acked.str("status") != "awaiting_code" {
		t.Fatalf("acknowledge after the crash: %d %s", acked.Status, acked.Raw)
	}
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, "completed")
	trail, _ := s.store.AuditTrail(context.Background(), id)
	seen := map[string]int{}
	for _, a := range trail {
		seen[a.Action]++
	}
	if seen["preflight_passed"] != 1 || seen["acknowledged"] != 1 || seen["code_sent"] != 1 || len(s.codeMails()) != 1 {
		t.Fatalf("effects: %d code mails, audit %v", len(s.codeMails()), seen)
	}
}

// TestVerifyAnsweredWhileTheChannelRowIsLocked holds the channel's row locked
// (a long report, a stuck session) across the verification: the right code is
// answered as accepted (removing, with the step in words) within the API's
// bound, and the removal completes once the lock is released.
func TestVerifyAnsweredWhileTheChannelRowIsLocked(t *testing.T) {
	s := newStack(t)
	s.apiConfig = func(c *api.Config) { c.OutageRetryInterval = 2 * time.Second }
	s.start(true)
	ch := s.channel("messenger", "", "LK-"+s.account[:8])
	id := s.acknowledged(ch)
	lock, err := s.store.DB().BeginTxx(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.Exec(`SELECT 1 FROM channels WHERE id = $1 FOR UPDATE`, ch); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	v := s.do("POST", "/v1/removals/"+id+"/verify", s.adminToken, map[string]any{"code": s.lastCode()})
	took := time.Since(began)
	if v.Status != 200 || v.str("status") != "removing" || !strings.Contains(v.str("step"), "Código verificado") {
		t.Fatalf("verify under a lock, after %s: %d %s", took.Round(time.Millisecond), v.Status, v.Raw)
	}
	if c, _ := s.store.Channel(context.Background(), ch); c.Status != "active" {
		t.Fatal("removed through a lock")
	}
	lock.Rollback()
	s.until(id, "completed")
	t.Logf("verify answered %s after it was sent, with the row locked", took.Round(time.Millisecond))
}

// TestRetryUnlinkBySignalAloneIsAudited drives retry-unlink the way the README
// tells ops to (temporal workflow signal … --input '{}'): the retry is in the
// audit trail, attributed to "ops (Temporal)".
func TestRetryUnlinkBySignalAloneIsAudited(t *testing.T) {
	s := newStack(t)
	s.start(true)
	_, id, _ := s.unlinkRefused("RS")
	s.signal(id, workflows.SignalRetryUnlink, map[string]any{})
	s.until(id, "completed")
	r := s.want(s.do("GET", "/v1/removals/"+id+"/audit", s.adminToken, nil), 200, "")
	for _, x := range r.Body["entries"].([]any) {
		e := x.(map[string]any)
		if e["action"] == "retry_unlink_requested" {
			if e["actor_user_id"] != domain.ActorOpsTemporal.UserID {
				t.Fatalf("retry_unlink_requested by %v, want %q", e["actor_user_id"], domain.ActorOpsTemporal.UserID)
			}
			return
		}
	}
	t.Fatalf("no retry_unlink_requested in the audit trail: %s", r.Raw)
}
