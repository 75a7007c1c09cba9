package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/internal/temporalerr"
)

// Options, one per step: explicit timeouts and retries; domain refusals come
// back non-retryable and are never retried. The steps that take milliseconds
// (preflight, code e-mail, code check, tombstone) are local activities, run
// inside the workflow task of the input they answer; each is idempotent (its
// Seq), and a crash re-runs it from the last workflow task.

// backoff doubles from first up to max; attempts 0: until it lands (or the
// step's ScheduleToClose).
func backoff(first, max time.Duration, attempts int32) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: first, BackoffCoefficient: 2, MaximumInterval: max, MaximumAttempts: attempts}
}

// stallOptions makes o's step wait out a stalled database (or SendGrid) up to
// within, the human wait's own deadline: the run stays where it was and the
// API answers 503 with Retry-After meanwhile. Past it, a timeout is a domain
// outcome (StepStalled), not a failure. The floor keeps a step asked for at
// its wait's last second from failing at once.
func stallOptions(o workflow.LocalActivityOptions, within time.Duration) workflow.LocalActivityOptions {
	o.ScheduleToCloseTimeout = max(within, o.StartToCloseTimeout)
	o.RetryPolicy.MaximumAttempts = 0
	return o
}

// stalled: a step failed without a refusal (its dependency away past the wait).
func stalled(err error) bool { return err != nil && temporalerr.Retryable(err) }

func preflightOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second, RetryPolicy: backoff(time.Second, 10*time.Second, 5)}
}

// sendCodeOptions: backoffs past the SDK's local retry threshold become
// durable timers; a retry never sends a second code (each send is keyed).
func sendCodeOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{StartToCloseTimeout: 30 * time.Second, ScheduleToCloseTimeout: 3 * time.Minute,
		RetryPolicy: backoff(2*time.Second, 30*time.Second, 0)}
}

func verifyOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{StartToCloseTimeout: 10 * time.Second, RetryPolicy: backoff(time.Second, 5*time.Second, 5)}
}

// deleteOptions: two quick tries, each bounded by the pool's lock_timeout;
// past them the run answers the code and retries on its own timer
// (tombstoneThroughOutage).
func deleteOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{StartToCloseTimeout: 30 * time.Second, RetryPolicy: backoff(time.Second, 4*time.Second, 2)}
}

// The Meta unlink's automatic attempts are the workflow's, one activity each,
// so it decides which failure waits for ops and each delay is a timer in
// Temporal Web: a Meta outage ends in completed_with_warnings after about 8
// minutes. maxMetaWait bounds a wait Meta asked for.
const (
	unlinkAttempts = 8
	maxMetaWait    = time.Hour
)

func unlinkBackoff(attempt int) time.Duration {
	if d := 2 * time.Second << (attempt - 1); d > 0 && d <= 2*time.Minute {
		return d
	}
	return 2 * time.Minute
}

// unlinkOptions: an attempt fails only when its record could not be written,
// and is retried until it lands (Meta's answers are results).
func unlinkOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second, RetryPolicy: backoff(time.Second, 30*time.Second, 0), Summary: summary}
}

func auditOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 15 * time.Second, RetryPolicy: backoff(time.Second, 30*time.Second, 0),
		Summary: "Registra a etapa na auditoria"}
}

// NoticeAttempts is a week of notice attempts 10 minutes apart: a security
// notice is retried until SendGrid accepts it; a refusal no retry changes, or
// a week of failures, is audited notice_failed (notice.go).
const NoticeAttempts = 7 * 24 * 6

// noticeOptions: each recipient's notice goes out once; the activity
// heartbeats after each admin, so a killed worker's attempt is retried within 15 s.
func noticeOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 2 * time.Minute, HeartbeatTimeout: 15 * time.Second,
		RetryPolicy: backoff(5*time.Second, 10*time.Minute, NoticeAttempts), Summary: summary}
}

func opsAlertOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second, RetryPolicy: backoff(5*time.Second, 10*time.Minute, NoticeAttempts),
		Summary: "Avisa a equipe de operações (MAIL_OPS)"}
}

// purgeOptions: the purge's writes and batches are retried until they land
// (an outage delays the purge, never loses a step).
func purgeOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{StartToCloseTimeout: time.Minute, RetryPolicy: backoff(time.Second, time.Minute, 0), Summary: summary}
}

// purgeNoticeOptions: retried for a day; the audit trail shows who was told.
func purgeNoticeOptions() workflow.ActivityOptions {
	o := noticeOptions("Avisa os administradores da exclusão das mensagens")
	o.RetryPolicy.MaximumAttempts = 24 * 6
	return o
}

// purgeBatchOptions: a dead worker's batch is retried within 15 s (its
// transaction rolled back). A cancellation waits for the batch in flight
// (WaitForCancellation, no command of its own), so the record counts every
// message deleted.
func purgeBatchOptions() workflow.ActivityOptions {
	o := purgeOptions("")
	o.StartToCloseTimeout, o.WaitForCancellation = 15*time.Second, true
	return o
}
