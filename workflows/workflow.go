package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// a names the activities; workflow code never calls them directly.
var a *activities.Activities

// Command kinds in the inbox: the signal each input is or mirrors.
const (
	kindAcknowledge = SignalAcknowledge
	kindVerify      = SignalVerifyCode
	kindResend      = SignalResendCode
	kindCancel      = SignalCancel
	kindRetryUnlink = SignalRetryUnlink
)

// command is one human input, from a signal (ID "") or an update (its update id).
type command struct {
	ID       string
	Kind     string
	CodeHash string
	Actor    domain.Actor
	// ReleaseNumber comes with an acknowledgement (SPEC §7).
	ReleaseNumber bool
}

type answer struct {
	Doc domain.Removal
	Err *domain.Error
}

// removal is the workflow's state.
type removal struct {
	in         Input
	doc        domain.Removal
	inbox      []command
	answers    map[string]answer
	sendSeq    int
	attemptSeq int
	auditSeq   int
	actor      domain.Actor // who verified the code: the removal's author for delete/unlink
	// releaseNumber: the admin asked, with the acknowledgement, to release
	// the phone number in Meta after the tombstone.
	releaseNumber bool
	// warnedAt is when the run first reached completed_with_warnings;
	// opsAlerted that ops were told, once, that it stayed there.
	warnedAt   time.Time
	opsAlerted bool
	// adminsNotified: every admin was told, once, that the channel was removed.
	adminsNotified bool
	// done is a verification after which nothing is owed: it is answered with
	// the outcome ("completed") rather than "removing".
	done *command
	// timers still pending from earlier waits; cancelled only before a long
	// wait, where they would otherwise wake the run.
	timers []func()
}

// RemoveChannelWorkflow removes a channel: preflight, acknowledgement,
// verification code, tombstone, Meta unlink (SPEC §1). Every outcome, timeouts
// included, is a status of the returned document, not a workflow error.
//
// The short steps (preflight, code e-mail, code check, tombstone) run as local
// activities, inside the workflow task of the input they answer; the Meta
// call, with its long retries, is an activity. Each human wait is a timer of
// its own, left to lapse when the input comes first (see next).
func RemoveChannelWorkflow(ctx workflow.Context, in Input) (domain.Removal, error) {
	in.withDefaults()
	r := newRemoval(ctx, in)
	if err := r.setup(ctx); err != nil {
		return domain.Removal{}, err
	}
	r.run(ctx)
	r.answerDone()
	r.notifyAdmins(ctx)
	r.refuseRemaining()
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
		return r.doc, err
	}
	return r.doc, nil
}

// newRemoval is the state before anything ran: in preflight. It is complete
// before any handler is registered, so that a validator, which may run as soon
// as its handler is (an update that waited while the run's first task was
// replayed after a crash), never judges an uninitialised state.
func newRemoval(ctx workflow.Context, in Input) *removal {
	info := workflow.GetInfo(ctx)
	now := workflow.Now(ctx)
	r := &removal{in: in, answers: map[string]answer{}, doc: domain.Removal{
		ID: info.WorkflowExecution.ID, RunID: info.WorkflowExecution.RunID, ChannelID: in.ChannelID,
		AttemptsLeft: domain.MaxCodeAttempts, MetaUnlink: domain.MetaUnlink{Status: "not_started"}, Notes: []string{}, CreatedAt: now}}
	// The start set RemovalStatus; the check runs within this task.
	r.setLocalStatus(ctx, domain.StatusPreflight, domain.StatusStep(domain.StatusPreflight))
	return r
}

func (r *removal) run(ctx workflow.Context) {
	if !r.preflight(ctx) || !r.acknowledgement(ctx) {
		return
	}
	verified, ok := r.awaitCode(ctx)
	if !ok {
		return
	}
	unlinkOwed, ok := r.deleteChannel(ctx, verified)
	if !ok {
		return
	}
	r.unlink(ctx, unlinkOwed)
}

func (r *removal) preflight(ctx workflow.Context) bool {
	var res activities.PreflightResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, preflightOptions()), a.Preflight,
		activities.PreflightInput{Step: r.step(r.in.Actor), RequestedBy: r.in.RequestedBy}).Get(ctx, &res)
	if err != nil {
		r.finish(ctx, domain.StatusFailed, domain.StepFailed("Falha no preflight", temporalerr.Message(err)))
		return false
	}
	r.doc.AccountID, r.doc.Impact = res.AccountID, &res.Impact
	if domain.NumberReleaseOffered(res.Impact.Kind, res.Impact.Disconnected) {
		r.doc.MetaUnlink.Number = &domain.NumberRelease{Status: domain.NumberNotRequested}
	}
	if !res.OK {
		r.doc.Reasons = res.Reasons
		r.finish(ctx, domain.StatusRejected, domain.StepRejected(res.Reasons))
		return false
	}
	return true
}

// acknowledgement waits for the alert's acknowledgement and sends the first
// code with it, answering the acknowledgement with the new state. A code
// e-mail refused by the channel's limit (too_many_codes) refuses that
// acknowledgement and nothing else: the run waits for another one.
func (r *removal) acknowledgement(ctx workflow.Context) bool {
	deadline := workflow.Now(ctx).Add(r.in.AckTimeout.D())
	r.setStatus(ctx, domain.StatusAwaitingAcknowledgement, domain.StepAwaitingAcknowledgement(deadline))
	for {
		cmd, ok := r.next(ctx, deadline, "aguardando confirmação ("+domain.DurationText(r.in.AckTimeout.D())+")")
		if !ok {
			r.end(ctx, domain.StatusExpired, domain.StepAcknowledgementExpired, r.in.Actor)
			return false
		}
		switch cmd.Kind {
		case kindAcknowledge:
			r.askedToReleaseNumber(cmd.ReleaseNumber)
			// The acknowledgement is recorded by the first code's send, in its transaction.
			err := r.sendCode(ctx, cmd.Actor)
			switch {
			case err == nil:
				r.setAwaitingCode(ctx)
				r.reply(cmd, nil)
				return true
			case err.Code == domain.CodeTooManyCodes:
				r.askedToReleaseNumber(false)
				r.refuse(cmd, err)
			default:
				r.finish(ctx, domain.StatusFailed, domain.StepFailed("Não foi possível enviar o código de verificação", err.Message))
				r.reply(cmd, nil)
				return false
			}
		case kindCancel:
			r.cancel(ctx, cmd)
			return false
		default:
			r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
		}
	}
}

// askedToReleaseNumber records the acknowledgement's choice about the number.
func (r *removal) askedToReleaseNumber(release bool) {
	r.releaseNumber = false
	if r.doc.MetaUnlink.Number != nil {
		r.doc.MetaUnlink.Number.Status = domain.NumberNotRequested
	}
	if !release {
		return
	}
	if r.doc.MetaUnlink.Number == nil { // not a WhatsApp Business API channel: no number to release
		r.doc.Notes = append(r.doc.Notes, domain.NoteNoNumberToRelease)
		return
	}
	r.releaseNumber = true
	r.doc.MetaUnlink.Number.Status = domain.NumberPending
}

func (r *removal) setAwaitingCode(ctx workflow.Context) {
	r.setStatus(ctx, domain.StatusAwaitingCode, domain.StepAwaitingCode(r.doc.CodeSentTo, *r.doc.CodeExpiresAt, r.doc.AttemptsLeft))
}

func (r *removal) sendCode(ctx workflow.Context, actor domain.Actor) *domain.Error {
	r.sendSeq++
	first := r.doc.CodeSentAt == nil // the first code that went out records the acknowledgement
	var res activities.SendCodeResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, sendCodeOptions()), a.SendVerificationCode,
		activities.SendCodeInput{Step: r.step(actor), ChannelName: r.channelName(), Seq: r.sendSeq, Acknowledged: first,
			ReleaseNumber: first && r.releaseNumber}).Get(ctx, &res)
	if err != nil {
		return temporalerr.AsDomain(err)
	}
	sentAt := workflow.Now(ctx)
	r.doc.CodeSentTo, r.doc.CodeExpiresAt, r.doc.CodeSentAt = res.Recipient, &res.ExpiresAt, &sentAt
	return nil
}

// awaitCode handles codes, resends and cancel until a code is verified.
func (r *removal) awaitCode(ctx workflow.Context) (command, bool) {
	for {
		cmd, ok := r.next(ctx, *r.doc.CodeExpiresAt, "aguardando código ("+domain.DurationText(r.doc.CodeExpiresAt.Sub(*r.doc.CodeSentAt))+")")
		if !ok {
			r.end(ctx, domain.StatusExpired, domain.StepCodeNotEntered, r.in.Actor)
			return command{}, false
		}
		switch cmd.Kind {
		case kindVerify:
			r.attemptSeq++
			var v activities.VerifyResult
			err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, verifyOptions()), a.VerifyCode,
				activities.VerifyInput{Step: r.step(cmd.Actor), Seq: r.attemptSeq, CodeHash: cmd.CodeHash}).Get(ctx, &v)
			if err != nil {
				r.finish(ctx, domain.StatusFailed, domain.StepFailed("Falha ao verificar o código", temporalerr.Message(err)))
				r.refuse(cmd, temporalerr.AsDomain(err))
				return command{}, false
			}
			r.doc.AttemptsLeft = v.AttemptsLeft
			switch {
			case v.OK:
				return cmd, true
			case v.Locked:
				if v.GuessLimit {
					r.notifyGuessLimit(ctx, cmd.Actor)
				}
				r.end(ctx, domain.StatusLocked, domain.StepLocked(), cmd.Actor)
				r.refuse(cmd, domain.Errorf(domain.CodeLocked, "muitas tentativas incorretas; a remoção foi bloqueada").With("attempts_left", 0))
				return command{}, false
			case v.Expired:
				r.end(ctx, domain.StatusExpired, domain.StepCodeExpired, cmd.Actor)
				r.refuse(cmd, domain.Errorf(domain.CodeCodeExpired, "o código expirou; inicie uma nova remoção"))
				return command{}, false
			default:
				r.setAwaitingCode(ctx)
				r.refuse(cmd, domain.Errorf(domain.CodeInvalidCode, "código incorreto").With("attempts_left", v.AttemptsLeft))
			}
		case kindResend:
			if e := r.resendTooSoon(ctx); e != nil {
				r.refuse(cmd, e)
				continue
			}
			if e := r.sendCode(ctx, cmd.Actor); e != nil {
				r.refuse(cmd, e)
				continue
			}
			r.setAwaitingCode(ctx)
			r.reply(cmd, nil)
		case kindCancel:
			r.cancel(ctx, cmd)
			return command{}, false
		default:
			r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
		}
	}
}

func (r *removal) resendTooSoon(ctx workflow.Context) *domain.Error {
	if r.doc.CodeSentAt == nil {
		return nil
	}
	if wait := r.doc.CodeSentAt.Add(r.in.ResendInterval.D()).Sub(workflow.Now(ctx)); wait > 0 {
		return domain.Errorf(domain.CodeResendTooSoon, "aguarde antes de pedir um novo código").
			With("retry_after", int((wait+time.Second-1)/time.Second))
	}
	return nil
}

// deleteChannel tombstones the channel. From here the removal no longer
// depends on anyone, so the verification is answered as soon as the outcome
// of the tombstone is known, or as accepted ("removing") when the database
// keeps it waiting.
func (r *removal) deleteChannel(ctx workflow.Context, verified command) (unlinkOwed bool, ok bool) {
	r.actor = verified.Actor
	r.setLocalStatus(ctx, domain.StatusRemoving, domain.StatusStep(domain.StatusRemoving))
	d, err := r.tombstone(ctx)
	if err != nil && temporalerr.Retryable(err) {
		// The database is away, or another transaction holds the channel's
		// row: the code was accepted, so say so now and keep trying.
		deadline := workflow.Now(ctx).Add(r.in.OutageWindow.D())
		r.setStatus(ctx, domain.StatusRemoving, domain.StepAwaitingDatabase(r.in.OutageRetryInterval.D(), deadline))
		r.reply(verified, nil)
		verified = command{} // answered
		d, err = r.tombstoneThroughOutage(ctx, deadline)
	}
	if err != nil {
		r.tombstoneFailed(ctx, err)
		r.reply(verified, nil)
		return false, false
	}
	if d.MetaAccessLost {
		r.doc.MetaUnlink.Status = domain.UnlinkByMeta
		r.doc.Notes = append(r.doc.Notes, domain.NoteMetaAccessLost)
		if r.releaseNumber { // asked before Meta cut the channel off
			r.doc.MetaUnlink.Number = &domain.NumberRelease{Status: domain.NumberFailed, LastError: domain.NumberNotReleasable}
		}
	}
	if d.UnlinkPending {
		r.reply(verified, nil)
	} else {
		r.done = &verified // nothing is owed: answered with the outcome, once the run is complete
	}
	return d.UnlinkPending, true
}

// tombstoneFailed ends the run: rejected when an attendance opened since the
// preflight (nothing changed), failed otherwise.
func (r *removal) tombstoneFailed(ctx workflow.Context, err error) {
	de := temporalerr.AsDomain(err)
	if de.Code != domain.CodeActiveAttendances {
		r.finish(ctx, domain.StatusFailed, domain.StepFailed("Falha ao remover o canal", de.Message))
		return
	}
	var f struct {
		ActiveAttendances []domain.Attendance `json:"active_attendances"`
	}
	temporalerr.Fields(err, &f)
	if r.doc.Impact != nil {
		r.doc.Impact.ActiveAttendances = f.ActiveAttendances
	}
	r.doc.Reasons = []domain.Reason{{Code: domain.CodeActiveAttendances, Message: de.Message}}
	r.finish(ctx, domain.StatusRejected, domain.StepAttendanceOpened)
}

// unlink unsubscribes our app in Meta. A failure leaves the removal done but
// completed_with_warnings, open for retry-unlink until the retry window closes.
func (r *removal) unlink(ctx workflow.Context, owed bool) {
	if !owed {
		if r.doc.MetaUnlink.Status != domain.UnlinkByMeta {
			r.doc.MetaUnlink.Status = "not_needed"
		}
		r.complete(ctx)
		r.answerDone()
		return
	}
	var deadline time.Time
	for {
		r.doc.MetaUnlink.Status = "unlinking"
		r.setStatus(ctx, domain.StatusUnlinking, domain.StatusStep(domain.StatusUnlinking))
		var u activities.UnlinkResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, unlinkOptions()), a.UnlinkMeta,
			activities.UnlinkInput{Step: r.step(r.actor), Finish: true}).Get(ctx, &u)
		if err == nil {
			r.doc.MetaUnlink = domain.MetaUnlink{Status: u.Status, Attempts: u.Attempts, Number: r.doc.MetaUnlink.Number}
			if u.Number != nil {
				r.doc.MetaUnlink.Number = u.Number
			}
			if u.Status == activities.UnlinkSkipped {
				r.doc.Notes = append(r.doc.Notes, domain.NoteWABAShared)
			}
			r.complete(ctx)
			return
		}
		var f struct {
			Status       string `json:"status"` // set when the subscription settled and only the number failed
			Attempts     int    `json:"attempts"`
			LastError    string `json:"last_error"`
			NumberStatus string `json:"number_status"`
			NumberError  string `json:"number_error"`
		}
		temporalerr.Fields(err, &f)
		if f.LastError == "" {
			f.LastError = temporalerr.Message(err)
		}
		number := r.doc.MetaUnlink.Number
		r.doc.MetaUnlink = domain.MetaUnlink{Status: "failed", Attempts: f.Attempts, LastError: f.LastError, Number: number}
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
			r.doc.MetaUnlink.Status = "abandoned"
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
			r.audit(ctx, "retry_unlink_requested", cmd.Actor, nil)
			return true
		}
		r.refuse(cmd, Refusal(cmd.Kind, r.doc.Status))
	}
}

func (r *removal) channelName() string {
	if r.doc.Impact == nil {
		return ""
	}
	return r.doc.Impact.ChannelName
}

// metaError is Meta's last error: the unsubscribe's, else the number's.
func (r *removal) metaError() string {
	if r.doc.MetaUnlink.LastError == "" && r.doc.MetaUnlink.Number != nil {
		return r.doc.MetaUnlink.Number.LastError
	}
	return r.doc.MetaUnlink.LastError
}

func (r *removal) complete(ctx workflow.Context) {
	if r.doc.Impact != nil && r.doc.Impact.Kind == domain.KindWhatsAppCloud {
		r.doc.Notes = append(r.doc.Notes, domain.CompletedNote(r.doc.MetaUnlink.Number))
	}
	// The step that settled it (tombstone or unlink) wrote removal_completed.
	r.finish(ctx, domain.StatusCompleted, domain.StatusStep(domain.StatusCompleted))
}

func (r *removal) cancel(ctx workflow.Context, cmd command) {
	r.end(ctx, domain.StatusCancelled, domain.StatusStep(domain.StatusCancelled), cmd.Actor)
	r.reply(cmd, nil)
}

// end writes the final audit record, then finishes the run, so nobody sees a
// removal as done while its audit trail still lacks the record.
func (r *removal) end(ctx workflow.Context, status domain.Status, step string, actor domain.Actor) {
	r.audit(ctx, "removal_"+string(status), actor, nil)
	r.finish(ctx, status, step)
}

func (r *removal) finish(ctx workflow.Context, status domain.Status, step string) {
	now := workflow.Now(ctx)
	r.doc.CompletedAt = &now
	r.setStatus(ctx, status, step)
}

func (r *removal) audit(ctx workflow.Context, action string, actor domain.Actor, detail map[string]string) {
	r.auditSeq++
	// Retried until it lands (auditOptions has no attempt limit, and the
	// activity reports every failure as retryable); only the run's own
	// cancellation ends the wait.
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, auditOptions()), a.RecordAudit,
		activities.AuditInput{Step: r.step(actor), Action: action, Detail: detail, Seq: r.auditSeq}).Get(ctx, nil)
}

func (r *removal) step(actor domain.Actor) activities.Step {
	return activities.Step{RemovalID: r.doc.ID, RunID: r.doc.RunID, AccountID: r.doc.AccountID, ChannelID: r.doc.ChannelID, Actor: actor}
}

// setLocalStatus records a status that lasts less than a workflow task (its
// step runs as a local activity): query and current details, no upsert.
func (r *removal) setLocalStatus(ctx workflow.Context, status domain.Status, step string) {
	r.doc.Status, r.doc.Step, r.doc.UpdatedAt = status, step, workflow.Now(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — %s", status, step))
}

// setStatus records a status change where ops look: query, search attributes
// and Temporal Web's current details.
func (r *removal) setStatus(ctx workflow.Context, status domain.Status, step string) {
	r.doc.Status, r.doc.Step, r.doc.UpdatedAt = status, step, workflow.Now(ctx)
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — %s", status, step))
	if r.searchAttributesHold(ctx, status) {
		return // e.g. the start already said awaiting_acknowledgement: no event for nothing
	}
	sas := []temporal.SearchAttributeUpdate{SAChannelID.ValueSet(r.doc.ChannelID), SARemovalStatus.ValueSet(string(status))}
	if r.doc.AccountID != "" {
		sas = append(sas, SAAccountID.ValueSet(r.doc.AccountID))
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, sas...); err != nil {
		workflow.GetLogger(ctx).Error("search attribute upsert failed", "error", err)
	}
}

// searchAttributesHold: the run's search attributes already say this.
func (r *removal) searchAttributesHold(ctx workflow.Context, status domain.Status) bool {
	sa := workflow.GetTypedSearchAttributes(ctx)
	st, _ := sa.GetKeyword(SARemovalStatus)
	ch, _ := sa.GetKeyword(SAChannelID)
	acc, _ := sa.GetKeyword(SAAccountID)
	return st == string(status) && ch == r.doc.ChannelID && (r.doc.AccountID == "" || acc == r.doc.AccountID)
}

// next waits for the next human input until deadline; false means it timed
// out, or that a wake condition came true first. summary labels the wait's
// timer in Temporal Web.
func (r *removal) next(ctx workflow.Context, deadline time.Time, summary string, wake ...func() bool) (command, bool) {
	woken := func() bool {
		for _, w := range wake {
			if w() {
				return true
			}
		}
		return false
	}
	if len(r.inbox) == 0 {
		remaining := deadline.Sub(workflow.Now(ctx))
		if remaining <= 0 {
			return command{}, false
		}
		// A timer of our own, left to lapse when the input comes first:
		// cancelling it would cost a history event, and it fires after the
		// run ends (or is cancelled before a long wait, awaitRetryUnlink).
		tctx, cancel := workflow.WithCancel(ctx)
		timer := workflow.NewTimerWithOptions(tctx, remaining, workflow.TimerOptions{Summary: summary})
		r.timers = append(r.timers, cancel)
		if err := workflow.Await(ctx, func() bool { return len(r.inbox) > 0 || timer.IsReady() || woken() }); err != nil || len(r.inbox) == 0 {
			return command{}, false
		}
	}
	cmd := r.inbox[0]
	r.inbox = r.inbox[1:]
	return cmd, true
}

// answerDone answers the verification that is owed the outcome, if any.
func (r *removal) answerDone() {
	if r.done != nil {
		r.reply(*r.done, nil)
		r.done = nil
	}
}

func (r *removal) reply(cmd command, err *domain.Error) {
	if cmd.ID != "" {
		r.answers[cmd.ID] = answer{Doc: r.doc, Err: err}
	}
}

func (r *removal) refuse(cmd command, err *domain.Error) {
	r.reply(cmd, err)
	if cmd.ID == "" {
		r.doc.Notes = append(r.doc.Notes, fmt.Sprintf("Sinal %q ignorado: %s", cmd.Kind, err.Message))
	}
}

// refuseRemaining answers inputs that arrived too late, so no update waits forever.
func (r *removal) refuseRemaining() {
	for _, cmd := range r.inbox {
		if cmd.ID != "" {
			r.answers[cmd.ID] = answer{Doc: r.doc, Err: Refusal(cmd.Kind, r.doc.Status)}
		}
	}
	r.inbox = nil
}

func (r *removal) tombstone(ctx workflow.Context) (activities.DeleteResult, error) {
	var d activities.DeleteResult
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, deleteOptions()), a.DeleteChannel,
		activities.DeleteInput{Step: r.step(r.actor), FinishIfNothingOwed: true, ReleaseNumber: r.releaseNumber}).Get(ctx, &d)
	return d, err
}

// tombstoneThroughOutage retries the tombstone every OutageRetryInterval
// until it succeeds, fails for good, or the deadline passes (then the run
// ends failed, the channel untouched).
func (r *removal) tombstoneThroughOutage(ctx workflow.Context, deadline time.Time) (activities.DeleteResult, error) {
	for {
		if workflow.Now(ctx).After(deadline) {
			return activities.DeleteResult{}, temporalerr.Encode(domain.Errorf(domain.CodeUnavailable,
				"o banco de dados ficou indisponível além da janela de %s", domain.DurationText(r.in.OutageWindow.D())))
		}
		if err := workflow.NewTimerWithOptions(ctx, r.in.OutageRetryInterval.D(),
			workflow.TimerOptions{Summary: "aguardando o banco de dados"}).Get(ctx, nil); err != nil {
			return activities.DeleteResult{}, err
		}
		d, err := r.tombstone(ctx)
		if err == nil || !temporalerr.Retryable(err) {
			return d, err
		}
	}
}
