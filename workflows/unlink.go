package workflows

// The Meta unlink after the tombstone, with its retry window for ops.

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// unlink unsubscribes our app in Meta. A failure leaves the removal done but
// completed_with_warnings, open for retry-unlink until the retry window closes.
func (r *removal) unlink(ctx workflow.Context, owed bool) {
	if !owed {
		if r.doc.MetaUnlink.Status != domain.UnlinkByMeta {
			r.doc.MetaUnlink.Status = domain.UnlinkNotNeeded
		}
		r.complete(ctx)
		r.answerDone()
		return
	}
	var deadline time.Time
	for {
		r.doc.MetaUnlink.Status = domain.UnlinkUnlinking
		r.setStatus(ctx, domain.StatusUnlinking, domain.StatusStep(domain.StatusUnlinking))
		var u activities.UnlinkResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, unlinkOptions()), a.UnlinkMeta,
			activities.UnlinkInput{Step: r.step(r.actor), Finish: true}).Get(ctx, &u)
		if err == nil {
			r.doc.MetaUnlink = domain.MetaUnlink{Status: u.Status, Attempts: u.Attempts, Number: r.doc.MetaUnlink.Number}
			if u.Number != nil {
				r.doc.MetaUnlink.Number = u.Number
			}
			if u.Status == domain.UnlinkSkipped {
				r.doc.Notes = append(r.doc.Notes, domain.NoteWABAShared)
			}
			r.complete(ctx)
			return
		}
		var f struct {
			Status       domain.UnlinkStatus `json:"status"` // set when the subscription settled and only the number failed
			Attempts     int                 `json:"attempts"`
			LastError    string              `json:"last_error"`
			NumberStatus domain.NumberStatus `json:"number_status"`
			NumberError  string              `json:"number_error"`
		}
		temporalerr.Fields(err, &f)
		if f.LastError == "" {
			f.LastError = temporalerr.Message(err)
		}
		number := r.doc.MetaUnlink.Number
		r.doc.MetaUnlink = domain.MetaUnlink{Status: domain.UnlinkFailed, Attempts: f.Attempts, LastError: f.LastError, Number: number}
		if f.Status != "" {
			r.doc.MetaUnlink.Status, r.doc.MetaUnlink.LastError = f.Status, ""
		}
		if f.NumberStatus != "" && number != nil {
			// No automatic retry is left: a pending number waits for ops too.
			number.Status, number.LastError = f.NumberStatus, f.NumberError
			if number.Status == domain.NumberPending && f.Status != "" {
				number.Status = domain.NumberFailed
			}
		}
		if deadline.IsZero() {
			r.warnedAt = workflow.Now(ctx)
			deadline = r.warnedAt.Add(r.in.UnlinkRetryWindow.D())
		}
		r.setStatus(ctx, domain.StatusCompletedWithWarnings, domain.StepUnlinkFailed(f.LastError, SignalRetryUnlink, deadline))
		r.notifyAdmins(ctx)
		if !r.awaitRetryUnlink(ctx, deadline) {
			// Retried until it lands, as an audit write is (auditOptions).
			_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.AbandonUnlink, r.step(r.actor)).Get(ctx, nil)
			r.doc.MetaUnlink.Status = domain.UnlinkAbandoned
			r.finish(ctx, domain.StatusCompletedWithWarnings, domain.StepUnlinkAbandoned)
			return
		}
	}
}

func (r *removal) awaitRetryUnlink(ctx workflow.Context, deadline time.Time) bool {
	// The run may now wait for days: earlier waits' timers must not wake it.
	for _, cancel := range r.timers {
		cancel()
	}
	r.timers = nil
	// The ops alert has a timer of its own beside the window's, so Temporal
	// Web shows both waits.
	var alertTimer workflow.Future
	alertAt := r.warnedAt.Add(r.in.OpsAlertAfter.D())
	if !r.opsAlerted && alertAt.Before(deadline) {
		if wait := alertAt.Sub(workflow.Now(ctx)); wait > 0 {
			tctx, cancel := workflow.WithCancel(ctx)
			alertTimer = workflow.NewTimerWithOptions(tctx, wait, workflow.TimerOptions{
				Summary: "alerta para operações (" + domain.DurationText(r.in.OpsAlertAfter.D()) + ")"})
			r.timers = append(r.timers, cancel)
		} else {
			r.alertOps(ctx, deadline)
		}
	}
	alertDue := func() bool { return !r.opsAlerted && alertTimer != nil && alertTimer.IsReady() }
	for {
		cmd, ok := r.next(ctx, deadline, "janela para retry-unlink ("+domain.DurationText(r.in.UnlinkRetryWindow.D())+")", alertDue)
		if !ok && alertDue() {
			r.alertOps(ctx, deadline)
			continue
		}
		if !ok {
			return false
		}
		if cmd.Kind == kindRetryUnlink {
			r.audit(ctx, domain.ActionRetryUnlinkRequested, cmd.Actor, nil)
			return true
		}
		r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
	}
}

// metaError is Meta's last error: the unsubscribe's, else the number's.
func (r *removal) metaError() string {
	if r.doc.MetaUnlink.LastError == "" && r.doc.MetaUnlink.Number != nil {
		return r.doc.MetaUnlink.Number.LastError
	}
	return r.doc.MetaUnlink.LastError
}
