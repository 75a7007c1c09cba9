package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/api"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/worker"
	"github.com/crm/channel-removal/workflows"
)

// The bare removal-shaped workflow: the same waits, updates, timers, search
// attributes and their upserts, summaries and (local) activities as a
// removal, with activities that do nothing. Its runs carry what a removal's
// carry in Temporal (a channel id of their own, the one account's id, the
// status), since the server's visibility store indexes each: the bare shape
// is the removal's cost in Temporal, not less. It runs on its own task queue
// with the same worker options.
const (
	bareQueue    = "bench-bare"
	bareWorkflow = "BareRemovalShape"
	bareNoop     = "BareNoop"
)

func bareNoopActivity(context.Context) error { return nil }

// barePreflight and bareUnlink are the bare shape's first and last steps:
// they do nothing but tell the waiting driver they ran, as the real preflight
// and unlink do through their read-model rows and NOTIFY (the admin's start
// answers, and the progress screen shows the outcome, before the workflow's
// last task closes the run).
const (
	barePreflightName = "BarePreflight"
	bareUnlinkName    = "BareUnlink"
)

var (
	preflights sync.Map // workflow id → chan struct{}
	unlinks    sync.Map // workflow id → chan struct{}
)

func barePreflight(ctx context.Context) error { return tellDriver(ctx, &preflights) }
func bareUnlink(ctx context.Context) error    { return tellDriver(ctx, &unlinks) }

func tellDriver(ctx context.Context, waiting *sync.Map) error {
	if ch, ok := waiting.Load(activity.GetInfo(ctx).WorkflowExecution.ID); ok {
		select {
		case ch.(chan struct{}) <- struct{}{}:
		default:
		}
	}
	return nil
}

// bareInput is what the removal's input gives its search attributes.
type bareInput struct {
	ChannelID, AccountID string
}

// bareAccount is the bare runs' one account, as the bench's removals have one.
var bareAccount = uuid.NewString()

func bareShape(ctx workflow.Context, in bareInput) error {
	stage := 0
	var acked, verified bool
	awaitStage := func(ctx workflow.Context, n int) (int, error) {
		return stage, workflow.Await(ctx, func() bool { return stage >= n })
	}
	if err := workflow.SetUpdateHandler(ctx, workflows.UpdateAcknowledge, func(ctx workflow.Context) (int, error) {
		acked = true
		return awaitStage(ctx, 2)
	}); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, workflows.UpdateVerifyCode, func(ctx workflow.Context) (int, error) {
		verified = true
		return awaitStage(ctx, 3)
	}); err != nil {
		return err
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second})
	activityOptions := func(summary string) workflow.Context {
		return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second, Summary: summary})
	}
	status := func(s domain.Status) { // as the removal's setStatus upserts
		_ = workflow.UpsertTypedSearchAttributes(ctx, workflows.SAChannelID.ValueSet(in.ChannelID),
			workflows.SARemovalStatus.ValueSet(string(s)), workflows.SAAccountID.ValueSet(in.AccountID))
	}
	timer := func(d time.Duration, summary string) workflow.Future {
		return workflow.NewTimerWithOptions(ctx, d, workflow.TimerOptions{Summary: summary})
	}
	if err := workflow.ExecuteLocalActivity(lctx, barePreflightName).Get(ctx, nil); err != nil {
		return err
	}
	stage = 1
	t1 := timer(15*time.Minute, "aguardando confirmação (15 min)")
	if err := workflow.Await(ctx, func() bool { return acked || t1.IsReady() }); err != nil {
		return err
	}
	if err := workflow.ExecuteLocalActivity(lctx, bareNoop).Get(ctx, nil); err != nil { // the code e-mail
		return err
	}
	status(domain.StatusAwaitingCode)
	stage = 2
	t2 := timer(10*time.Minute, "aguardando código (10 min)")
	if err := workflow.Await(ctx, func() bool { return verified || t2.IsReady() }); err != nil {
		return err
	}
	for i := 0; i < 2; i++ { // check the code, tombstone
		if err := workflow.ExecuteLocalActivity(lctx, bareNoop).Get(ctx, nil); err != nil {
			return err
		}
	}
	status(domain.StatusUnlinking)
	stage = 3
	if err := workflow.ExecuteActivity(activityOptions("Desvincula o aplicativo na Meta (subscribed_apps)"), bareUnlinkName).Get(ctx, nil); err != nil {
		return err
	}
	status(domain.StatusCompleted)
	if err := workflow.ExecuteActivity(activityOptions("Avisa os administradores da conta da remoção"), bareNoop).Get(ctx, nil); err != nil {
		return err // the admins' notice
	}
	return workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
}

func newBareWorker(tc client.Client, t worker.Tuning) sdkworker.Worker {
	w := sdkworker.New(tc, bareQueue, t.Options())
	// Pinned, on the removals' build: the bare shape is routed as they are.
	w.RegisterWorkflowWithOptions(bareShape, workflow.RegisterOptions{Name: bareWorkflow, VersioningBehavior: workflow.VersioningBehaviorPinned})
	w.RegisterActivityWithOptions(bareNoopActivity, activity.RegisterOptions{Name: bareNoop})
	w.RegisterActivityWithOptions(barePreflight, activity.RegisterOptions{Name: barePreflightName})
	w.RegisterActivityWithOptions(bareUnlink, activity.RegisterOptions{Name: bareUnlinkName})
	return w
}

// bareRun drives one bare run as the API drives a removal: start (eager, as
// the API's), wait for the preflight, acknowledge, verify, wait for the
// unlink, the step whose outcome the admin waits for.
func bareRun(ctx context.Context, tc client.Client, id string, st *steps) error {
	in := bareInput{ChannelID: uuid.NewString(), AccountID: bareAccount}
	t0 := time.Now()
	ran, unlinked := make(chan struct{}, 1), make(chan struct{}, 1)
	preflights.Store(id, ran)
	defer preflights.Delete(id)
	unlinks.Store(id, unlinked)
	defer unlinks.Delete(id)
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: bareQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL, EnableEagerStart: true,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// As the API starts a removal: its three search attributes and a summary.
		TypedSearchAttributes: temporal.NewSearchAttributes(workflows.SAChannelID.ValueSet(in.ChannelID),
			workflows.SAAccountID.ValueSet(in.AccountID), workflows.SARemovalStatus.ValueSet(string(domain.StatusAwaitingAcknowledgement))),
		StaticSummary: fmt.Sprintf("Remoção do canal %q (%s, %s)", "Bare "+in.ChannelID[:8], "whatsapp_cloud", in.ChannelID)},
		bareWorkflow, in)
	if err != nil {
		return err
	}
	select {
	case <-ran:
	case <-ctx.Done():
		return ctx.Err()
	}
	// As the API's start does: answered once Temporal recorded the preflight.
	if _, err := api.FirstTaskRecorded(ctx, tc, id, run.GetRunID()); err != nil {
		return err
	}
	st.add(stepStart, time.Since(t0))
	for i, u := range []string{workflows.UpdateAcknowledge, workflows.UpdateVerifyCode} {
		t0 = time.Now()
		h, err := tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: u, WaitForStage: client.WorkflowUpdateStageCompleted})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if err != nil {
			return err
		}
		st.add([]string{stepAcknowledge, stepVerify}[i], time.Since(t0))
	}
	t0 = time.Now()
	select {
	case <-unlinked:
	case <-ctx.Done():
		return ctx.Err()
	}
	st.add(stepEnd, time.Since(t0))
	return nil
}
