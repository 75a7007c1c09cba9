package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/internal/temporalerr"
)

// Options, one per step: explicit timeouts and retry policies. Domain
// failures come back as non-retryable errors and are never retried.
//
// The steps that take milliseconds (preflight, code e-mail, code check,
// tombstone) are local activities, run inside the workflow task. They keep
// their guarantees: each is idempotent (a retry of the same Seq is not
// counted twice; a second tombstone changes nothing), and a worker crash
// re-runs them from the last workflow task.

// stallOptions makes o's step wait out a stalled database (or SendGrid) up
// to within, the human wait's own deadline: infrastructure errors are retried
// (domain refusals never are), the run stays where it was, and the API
// answers 503 with Retry-After meanwhile. Past within it is a timeout, a
// domain outcome (StepStalled), not a failure. A floor keeps a step asked
// for at its wait's last second from failing at once.
func stallOptions(o workflow.LocalActivityOptions, within time.Duration) workflow.LocalActivityOptions {
	o.ScheduleToCloseTimeout = max(within, o.StartToCloseTimeout)
	o.RetryPolicy.MaximumAttempts = 0
	return o
}

// stalled: a step failed without a refusal (the database or SendGrid away
// past its wait's deadline), not because of what was asked.
func stalled(err error) bool { return err != nil && temporalerr.Retryable(err) }

func preflightOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 5},
	}
}

// sendCodeOptions: the e-mail goes out inside the acknowledgement's (or the
// resend's) workflow task, so the admin's click is answered without a trip
// through an activity task queue. Backoffs past the SDK's local retry
// threshold become durable timers; a retry never sends a second code
// (SendVerificationCode keys each send).
func sendCodeOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: 3 * time.Minute,
		RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
	}
}

func verifyOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{
		StartToCloseTimeout: 10 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 5 * time.Second, MaximumAttempts: 5},
	}
}

// deleteOptions: two quick tries, each bounded by the pool's lock_timeout
// when another transaction holds the channel's row (postgres.Open); past
// them the workflow answers the verification, shows that it waits for the
// database and keeps trying on its own timer (tombstoneThroughOutage).
func deleteOptions() workflow.LocalActivityOptions {
	return workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 4 * time.Second, MaximumAttempts: 2},
	}
}

// The Meta unlink's automatic attempts: the workflow makes them, one
// activity per attempt, so it decides which failure waits for ops (the last
// automatic one, or a permanent one) and each attempt's delay shows in
// Temporal Web as a timer. Exponential backoff, capped, so that a Meta outage
// ends in completed_with_warnings (about 8 minutes), where ops can retry.
const unlinkAttempts = 8

// maxMetaWait bounds a wait Meta asked for (its usage header, a rate limit):
// past it the removal would rather wait for ops than sleep on one call.
const maxMetaWait = time.Hour

func unlinkBackoff(attempt int) time.Duration {
	d := 2 * time.Second << (attempt - 1)
	if d > 2*time.Minute || d <= 0 {
		return 2 * time.Minute
	}
	return d
}

// unlinkOptions: an attempt's activity fails only when its record could not
// be written; it is retried until the record lands (Meta's answers are results).
func unlinkOptions(summary string) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
		Summary:             summary,
	}
}

func auditOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 15 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 30 * time.Second},
		Summary:             "Registra a etapa na auditoria",
	}
}

// noticeRetryPolicy: a security notice is retried until SendGrid accepts it,
// every 10 minutes once the backoff has grown, for a week (NoticeAttempts);
// a refusal no retry changes, or a week of failures, ends it as notice_failed
// in the audit trail (workflows/notices.go).
var noticeRetryPolicy = &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
	MaximumAttempts: NoticeAttempts}

// NoticeAttempts is a week of notice attempts 10 minutes apart.
const NoticeAttempts = 7 * 24 * 6

// noticeOptions: each recipient's notice goes out once (NotifyAdmins). The
// activity heartbeats after each admin, so a killed worker's attempt is
// retried within 15 s (one SendGrid call is bounded at 10 s).
func noticeOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    15 * time.Second,
		RetryPolicy:         noticeRetryPolicy,
		Summary:             "Avisa os administradores da conta da remoção",
	}
}

// opsAlertOptions: the ops e-mail is retried like the admins' notices.
func opsAlertOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         noticeRetryPolicy,
		Summary:             "Avisa a equipe de operações (MAIL_OPS)",
	}
}

// purgeOptions: the purge's writes and batches are retried until they land
// (a database outage delays the purge, never loses a step); one batch is a
// transaction of a fraction of a second.
func purgeOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute},
	}
}

// purgeNoticeOptions: the purge's notices are retried for a day, then the
// purge goes on without them (the audit trail shows which admins were told).
func purgeNoticeOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: 2 * time.Minute,
		HeartbeatTimeout:    15 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 5 * time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Minute,
			MaximumAttempts: 24 * 6},
		Summary: "Avisa os administradores da exclusão das mensagens",
	}
}

// schedulePurgeOptions: the removal's retention is written and its purge
// started, retried until both land.
func schedulePurgeOptions() workflow.ActivityOptions {
	o := purgeOptions()
	o.Summary = "Agenda a exclusão das mensagens escolhida na remoção"
	return o
}

// purgeBatchOptions: a batch takes a fraction of a second; one whose worker
// died is tried again within 15 s (its transaction was rolled back with the
// connection).
//
// A cancellation from Temporal waits for the batch in flight
// (WaitForCancellation, which the SDK keeps to itself: no command changes),
// so the cancelled purge's record counts every message it deleted.
func purgeBatchOptions() workflow.ActivityOptions {
	o := purgeOptions()
	o.StartToCloseTimeout = 15 * time.Second
	o.WaitForCancellation = true
	return o
}
