package workflows

// PurgeMessagesWorkflow: the durable wait for, and the carrying out of, the
// purge a removal chose (SPEC §8). One run per channel, started by the
// removal once the channel is tombstoned; it waits for the date (telling every
// admin PurgeNoticeDays before), lets admins cancel or move it and a legal
// hold stop it, then deletes the messages in short batches and says so.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

const (
	PurgeWorkflowName = "PurgeMessagesWorkflow"

	// Signals and their updates (the API's synchronous answers).
	SignalCancelPurge = "cancel-purge"
	SignalMovePurge   = "move-purge"
	SignalHoldChanged = "hold-changed"
	UpdateCancelPurge = "cancel-purge-update"
	UpdateMovePurge   = "move-purge-update"
	// QueryPurge returns the purge.
	QueryPurge = "purge"
)

const purgePrefix = "purge-messages:"

// PurgeWorkflowID is the purge workflow of a channel: one per channel.
func PurgeWorkflowID(channelID string) string { return purgePrefix + channelID }

// PurgeOptions registers PurgeMessagesWorkflow, auto-upgrading: a purge waits
// up to 180 days, longer than any build should be kept running, so each new
// build takes its runs over. Its shape is guarded by its histories of every
// open release (TestReplayPurgeHistoriesOfEveryRelease); a change to its
// commands needs a workflow.GetVersion branch.
func PurgeOptions() workflow.RegisterOptions {
	return workflow.RegisterOptions{Name: PurgeWorkflowName, VersioningBehavior: workflow.VersioningBehaviorAutoUpgrade}
}

// PurgeInput starts (or continues as new) a channel's purge.
type PurgeInput struct {
	Purge        domain.Purge `json:"purge"`
	RemovalRunID string       `json:"removal_run_id"`
	ChannelName  string       `json:"channel_name"`
	RetentionDay Duration     `json:"retention_day"`
	// NoticedFor is the date whose notice went out; Seq counts the records
	// written (both carried over a continue-as-new).
	NoticedFor time.Time `json:"noticed_for,omitempty"`
	Seq        int       `json:"seq,omitempty"`
}

// MovePurgeRequest moves a pending purge to another date.
type MovePurgeRequest struct {
	PurgeAt time.Time    `json:"purge_at"`
	Actor   domain.Actor `json:"actor"`
}

// HoldChanged tells the purge that a legal hold was set or lifted (the API
// wrote it on the channel first; each batch reads it there too).
type HoldChanged struct {
	Held   bool         `json:"held"`
	Reason string       `json:"reason,omitempty"`
	Actor  domain.Actor `json:"actor"`
}

type purgeKind string

const (
	purgeCancel purgeKind = "cancel"
	purgeMove   purgeKind = "move"
	purgeHold   purgeKind = "hold"
)

// purgeCommand is an input the run has yet to act on; ID is an update's.
type purgeCommand struct {
	Kind    purgeKind
	ID      string
	Actor   domain.Actor
	PurgeAt time.Time
	Held    bool
	Reason  string
}

// purge is the workflow's state.
type purge struct {
	in      PurgeInput
	p       domain.Purge
	inbox   []purgeCommand
	answers map[string]*domain.Error
	// v is the run's shape: purgeV1 re-reads a hold while held, starts its
	// notices as notice workflows, and keeps PurgeStatus and PurgeAt
	// current; DefaultVersion is the shape of the runs started before it.
	v workflow.Version
}

// purgeV1 names the first change to the purge's commands: it auto-upgrades,
// so runs begun on an earlier build keep their shape (GetVersion) until they
// continue as new.
const purgeV1ChangeID = "r4-hold-reread-notices-search-attributes"

// PurgeMessagesWorkflow runs a channel's purge to its end: purged or cancelled.
func PurgeMessagesWorkflow(ctx workflow.Context, in PurgeInput) (domain.Purge, error) {
	if in.RetentionDay <= 0 {
		in.RetentionDay = Duration(domain.RetentionDay)
	}
	r := &purge{in: in, p: in.Purge, answers: map[string]*domain.Error{}}
	if err := r.setup(ctx); err != nil {
		return r.p, err
	}
	r.v = workflow.GetVersion(ctx, purgeV1ChangeID, workflow.DefaultVersion, 1)
	r.show(ctx)
	for r.p.Status != domain.RetentionPurged && r.p.Status != domain.RetentionCancelled {
		if ctx.Err() != nil { // cancelled from Temporal: every wait and activity would return at once
			r.stoppedByTemporal(ctx)
			break
		}
		switch r.p.Status {
		case domain.RetentionScheduled:
			r.awaitDate(ctx)
		case domain.RetentionHeld:
			if r.awaitHold(ctx) {
				return r.p, workflow.NewContinueAsNewError(ctx, PurgeWorkflowName, r.carried())
			}
		case domain.RetentionPurging:
			if r.purgeBatches(ctx) && ctx.Err() == nil { // a cancelled run ends here, never continues as new
				return r.p, workflow.NewContinueAsNewError(ctx, PurgeWorkflowName, r.carried())
			}
		default:
			return r.p, temporal.NewNonRetryableApplicationError("unknown purge status "+string(r.p.Status), "invalid_state", nil)
		}
	}
	r.refuseRemaining()
	after, _ := workflow.NewDisconnectedContext(ctx)
	if err := workflow.Await(after, func() bool { return workflow.AllHandlersFinished(after) }); err != nil {
		return r.p, err
	}
	if ctx.Err() != nil {
		return r.p, ctx.Err() // the run closes as Canceled, its record written
	}
	return r.p, nil
}

// stoppedByTemporal records a purge cancelled by ops from Temporal, on a
// disconnected context (the run's own is cancelled): a pending purge is
// cancelled; one that had begun stops where it is, and its record says how
// far it went.
func (r *purge) stoppedByTemporal(ctx workflow.Context) {
	after, _ := workflow.NewDisconnectedContext(ctx)
	next := r.p
	next.Status = domain.RetentionCancelled
	r.record(after, next, domain.ActorOpsTemporal, domain.ActionPurgeCancelled, map[string]any{"purge_at": r.p.PurgeAt,
		"from": string(r.p.Status), "purged_messages": r.p.PurgedMessages})
}

// setup registers the query, the signals and the updates; handlers only
// queue inputs, which the run acts on.
func (r *purge) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryPurge, func() (domain.Purge, error) { return r.p, nil }); err != nil {
		return err
	}
	signals := workflow.NewSelector(ctx)
	signals.AddReceive(workflow.GetSignalChannel(ctx, SignalCancelPurge), func(ch workflow.ReceiveChannel, _ bool) {
		var v ActorRequest
		ch.Receive(ctx, &v)
		r.inbox = append(r.inbox, purgeCommand{Kind: purgeCancel, Actor: domain.SignalActor(v.Actor)})
	})
	signals.AddReceive(workflow.GetSignalChannel(ctx, SignalMovePurge), func(ch workflow.ReceiveChannel, _ bool) {
		var v MovePurgeRequest
		ch.Receive(ctx, &v)
		r.inbox = append(r.inbox, purgeCommand{Kind: purgeMove, PurgeAt: v.PurgeAt, Actor: domain.SignalActor(v.Actor)})
	})
	signals.AddReceive(workflow.GetSignalChannel(ctx, SignalHoldChanged), func(ch workflow.ReceiveChannel, _ bool) {
		var v HoldChanged
		ch.Receive(ctx, &v)
		// A signal's payload is a claim (the API's own hold_set record names who set it).
		r.inbox = append(r.inbox, purgeCommand{Kind: purgeHold, Held: v.Held, Reason: v.Reason, Actor: domain.SignalActor(v.Actor)})
	})
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			signals.Select(ctx)
		}
	})
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateCancelPurge,
		func(ctx workflow.Context, v ActorRequest) (domain.Purge, error) {
			return r.submit(ctx, purgeCommand{Kind: purgeCancel, Actor: v.Actor})
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v ActorRequest) error {
			return encodeRefusal(r.refusal(purgeCancel, time.Time{}, workflow.Now(ctx)))
		}}); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateMovePurge,
		func(ctx workflow.Context, v MovePurgeRequest) (domain.Purge, error) {
			return r.submit(ctx, purgeCommand{Kind: purgeMove, PurgeAt: v.PurgeAt, Actor: v.Actor})
		}, workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, v MovePurgeRequest) error {
			return encodeRefusal(r.refusal(purgeMove, v.PurgeAt, workflow.Now(ctx)))
		}})
}

// refusal is why a cancel or a move cannot be done now (nil: it can). Once
// the purge has started it runs to its end; only a hold stops it.
func (r *purge) refusal(kind purgeKind, at, now time.Time) *domain.Error {
	if !r.p.Status.Pending() {
		return domain.Errorf(domain.CodeInvalidState, "a exclusão das mensagens já começou ou terminou (%s)", r.p.Status)
	}
	if kind == purgeMove && !at.After(now) {
		return domain.Errorf(domain.CodeInvalid, "a nova data da exclusão deve estar no futuro")
	}
	return nil
}

// encodeRefusal is a validator's answer: nil, or the refusal for the API.
func encodeRefusal(e *domain.Error) error {
	if e == nil {
		return nil
	}
	return temporalerr.Encode(e)
}

func (r *purge) submit(ctx workflow.Context, cmd purgeCommand) (domain.Purge, error) {
	cmd.ID = workflow.GetCurrentUpdateInfo(ctx).ID
	r.inbox = append(r.inbox, cmd)
	wait, _ := workflow.NewDisconnectedContext(ctx) // the run answers it, cancelled or not (removal's submit)
	if err := workflow.Await(wait, func() bool { _, ok := r.answers[cmd.ID]; return ok }); err != nil {
		return r.p, err
	}
	return r.p, encodeRefusal(r.answers[cmd.ID])
}

func (r *purge) reply(cmd purgeCommand, e *domain.Error) {
	if cmd.ID != "" {
		r.answers[cmd.ID] = e
	}
}

// refuseRemaining answers the updates still queued when the run ends.
func (r *purge) refuseRemaining() {
	for _, cmd := range r.inbox {
		r.reply(cmd, r.refusal(cmd.Kind, cmd.PurgeAt, time.Time{}))
	}
	r.inbox = nil
}

// awaitDate waits for the notice, then the date, acting on what comes first.
func (r *purge) awaitDate(ctx workflow.Context) {
	now, day := workflow.Now(ctx), r.in.RetentionDay.D()
	noticeAt := domain.PurgeNoticeAt(r.p.PurgeAt, day)
	switch {
	case !r.in.NoticedFor.Equal(r.p.PurgeAt) && !now.Before(noticeAt):
		r.notify(ctx, true)
		r.in.NoticedFor = r.p.PurgeAt
	case !now.Before(r.p.PurgeAt):
		r.start(ctx)
	default:
		wake, summary := r.p.PurgeAt, "até a exclusão das mensagens"
		if !r.in.NoticedFor.Equal(r.p.PurgeAt) {
			wake, summary = noticeAt, fmt.Sprintf("até o aviso aos administradores (%d dias antes)", domain.PurgeNoticeDays)
		}
		if cmd, end := r.next(ctx, wake, summary); end == gotInput {
			r.handle(ctx, cmd)
		}
	}
}

// awaitHold waits while the purge is held: for an input (a hold lifted, a
// cancel) and, since purgeV1, re-reading the hold every retention day, so a
// hold lifted whose signal was lost still lets the purge go on. True: the
// history should continue as new (a hold may last years).
func (r *purge) awaitHold(ctx workflow.Context) bool {
	if r.v == workflow.DefaultVersion {
		if cmd, end := r.next(ctx, time.Time{}, ""); end == gotInput {
			r.handle(ctx, cmd)
		}
		return false
	}
	cmd, end := r.next(ctx, workflow.Now(ctx).Add(r.in.RetentionDay.D()), "relê a retenção legal (a cada dia)")
	switch end {
	case gotInput:
		r.handle(ctx, cmd)
	case timedOut:
		var held bool
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions()), a.PurgeHeld,
			activities.PurgeBatchInput{ChannelID: r.p.ChannelID}).Get(ctx, &held); err == nil && !held {
			r.holdChanged(ctx, purgeCommand{Kind: purgeHold, Actor: domain.ActorRetention})
		}
	}
	return r.p.Status == domain.RetentionHeld && ctx.Err() == nil && workflow.GetInfo(ctx).GetContinueAsNewSuggested()
}

// next is the next input, or how the wait ended without one: the deadline
// passed (zero: none), or the run was cancelled.
func (r *purge) next(ctx workflow.Context, deadline time.Time, summary string) (purgeCommand, waitEnd) {
	if len(r.inbox) == 0 {
		var timer workflow.Future
		tctx, cancel := workflow.WithCancel(ctx)
		defer cancel() // a timer of a wait the input ended goes, rather than wake the run days later
		if !deadline.IsZero() {
			timer = workflow.NewTimerWithOptions(tctx, deadline.Sub(workflow.Now(ctx)), workflow.TimerOptions{Summary: summary})
		}
		if err := workflow.Await(ctx, func() bool { return len(r.inbox) > 0 || (timer != nil && timer.IsReady()) }); err != nil {
			return purgeCommand{}, stopped
		}
		if len(r.inbox) == 0 {
			return purgeCommand{}, timedOut
		}
	}
	cmd := r.inbox[0]
	r.inbox = r.inbox[1:]
	return cmd, gotInput
}

// handle acts on an admin's or ops' input while the purge is pending.
func (r *purge) handle(ctx workflow.Context, cmd purgeCommand) {
	if cmd.Kind == purgeHold {
		r.holdChanged(ctx, cmd)
		return
	}
	if e := r.refusal(cmd.Kind, cmd.PurgeAt, workflow.Now(ctx)); e != nil {
		r.reply(cmd, e)
		return
	}
	next := r.p
	switch cmd.Kind {
	case purgeCancel:
		next.Status = domain.RetentionCancelled
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeCancelled, map[string]any{"purge_at": r.p.PurgeAt})
	case purgeMove:
		next.PurgeAt = cmd.PurgeAt.UTC()
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeMoved, map[string]any{"from": r.p.PurgeAt, "to": next.PurgeAt})
	}
	r.reply(cmd, nil)
}

// holdChanged follows a legal hold set or lifted on the channel.
func (r *purge) holdChanged(ctx workflow.Context, cmd purgeCommand) {
	next := r.p
	switch {
	case cmd.Held && r.p.Status == domain.RetentionScheduled:
		next.Status = domain.RetentionHeld
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeHeld, map[string]any{"reason": cmd.Reason})
	case !cmd.Held && r.p.Status == domain.RetentionHeld:
		next.Status = domain.RetentionScheduled
		if r.p.StartedAt != nil {
			next.Status = domain.RetentionPurging // a purge a hold stopped goes on where it was
		}
		r.record(ctx, next, cmd.Actor, domain.ActionPurgeResumed, map[string]any{"purge_at": r.p.PurgeAt})
	}
}

// start begins the purge on its date, unless a hold stands.
func (r *purge) start(ctx workflow.Context) {
	r.in.Seq++
	var held bool
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions()), a.StartPurge, r.recordInput(r.p, domain.ActorRetention,
		domain.ActionPurgeStarted, map[string]any{"purge_at": r.p.PurgeAt})).Get(ctx, &held)
	if err != nil {
		return // only the run's cancellation ends purgeOptions' retries
	}
	next := r.p
	next.Status = domain.RetentionPurging
	if held {
		next.Status = domain.RetentionHeld
		r.record(ctx, next, domain.ActorRetention, domain.ActionPurgeHeld, map[string]any{"reason": "retenção legal no canal"})
		return
	}
	now := workflow.Now(ctx)
	next.StartedAt = &now
	r.take(ctx, next)
}

// purgeBatches deletes batch after batch until the channel has no message
// left, a hold stops it, or the history should continue as new (true).
func (r *purge) purgeBatches(ctx workflow.Context) (continueAsNew bool) {
	for {
		for len(r.inbox) > 0 { // a hold's signal waits for the next batch, which reads the hold itself
			cmd := r.inbox[0]
			r.inbox = r.inbox[1:]
			if cmd.Kind != purgeHold {
				r.reply(cmd, r.refusal(cmd.Kind, cmd.PurgeAt, workflow.Now(ctx)))
			}
		}
		var res activities.PurgeBatchResult
		if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeBatchOptions()), a.PurgeBatch,
			activities.PurgeBatchInput{ChannelID: r.p.ChannelID, Size: domain.PurgeBatchSize}).Get(ctx, &res); err != nil {
			return false
		}
		next := res.Purge
		next.Status, next.StartedAt = r.p.Status, r.p.StartedAt
		switch {
		case res.Batch.Held:
			next.Status = domain.RetentionHeld
			r.record(ctx, next, domain.ActorRetention, domain.ActionPurgeHeld, map[string]any{"reason": "retenção legal no canal",
				"purged_messages": next.PurgedMessages})
			return false
		case res.Batch.Done:
			next.Status = domain.RetentionPurged
			r.record(ctx, next, domain.ActorRetention, domain.ActionMessagesPurged, map[string]any{
				"messages": next.PurgedMessages, "conversations": next.PurgedConversations})
			r.notify(ctx, false)
			return false
		}
		r.take(ctx, next)
		if workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			return true
		}
	}
}

// record writes next, decided here, with its audit record, then takes it.
func (r *purge) record(ctx workflow.Context, next domain.Purge, actor domain.Actor, action domain.Action, detail map[string]any) {
	r.in.Seq++
	// Retried until it lands (purgeOptions has no attempt limit), even when
	// ops cancel the run meanwhile: the state it takes is the one written.
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeOptions()), a.RecordPurge,
		r.recordInput(next, actor, action, detail)).Get(ctx, nil)
	r.take(ctx, next)
}

func (r *purge) recordInput(p domain.Purge, actor domain.Actor, action domain.Action, detail map[string]any) activities.PurgeRecordInput {
	return activities.PurgeRecordInput{Step: r.step(actor), Purge: p, Action: action, Detail: detail, Seq: r.in.Seq}
}

func (r *purge) step(actor domain.Actor) activities.Step {
	return activities.Step{RemovalID: r.p.RemovalID, RunID: r.in.RemovalRunID, AccountID: r.p.AccountID, ChannelID: r.p.ChannelID, Actor: actor}
}

// notify tells every admin the purge is near (soon) or done; a notice that
// cannot go out is logged by the activity and does not hold the purge. Since
// purgeV1 it is a notice workflow the purge does not wait for: on its notice
// day a purge answers a cancel, a move or a hold at once, whatever SendGrid
// does.
func (r *purge) notify(ctx workflow.Context, soon bool) {
	if r.v != workflow.DefaultVersion {
		kind, id := domain.NoticePurgeDone, r.p.ChannelID+":"+r.in.RemovalRunID
		if soon { // one notice per date: a moved purge is announced again
			kind, id = domain.NoticePurgeSoon, fmt.Sprintf("%s:%d", r.p.ChannelID, r.p.PurgeAt.Unix())
		}
		startNotice(ctx, NoticeID(kind, id), PurgeSummary(r.in.ChannelName, r.p.ChannelID), Notice{Kind: kind, Purge: &activities.PurgeNoticeInput{
			Step: r.step(domain.ActorRetention), ChannelName: r.in.ChannelName, Purge: r.p, Soon: soon}})
		return
	}
	_ = workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, purgeNoticeOptions()), a.NotifyPurge,
		activities.PurgeNoticeInput{Step: r.step(domain.ActorRetention), ChannelName: r.in.ChannelName, Purge: r.p, Soon: soon}).Get(ctx, nil)
}

func (r *purge) take(ctx workflow.Context, p domain.Purge) {
	r.p = p
	r.show(ctx)
}

// show puts the purge's state in Temporal Web's current details and, since
// purgeV1, in its search attributes, so ops list held purges or those due
// this week (PurgeStatus = 'held', PurgeAt < …).
func (r *purge) show(ctx workflow.Context) {
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("**%s** — %s", r.p.Status, domain.PurgeStep(r.p)))
	if r.v == workflow.DefaultVersion {
		return
	}
	sa := workflow.GetTypedSearchAttributes(ctx)
	status, _ := sa.GetKeyword(SAPurgeStatus)
	at, _ := sa.GetTime(SAPurgeAt)
	if status == string(r.p.Status) && at.Equal(r.p.PurgeAt) {
		return // no event for nothing
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, SAPurgeStatus.ValueSet(string(r.p.Status)), SAPurgeAt.ValueSet(r.p.PurgeAt)); err != nil {
		workflow.GetLogger(ctx).Error("search attribute upsert failed", "error", err)
	}
}

// carried is the input of the run that continues this one.
func (r *purge) carried() PurgeInput {
	in := r.in
	in.Purge = r.p
	return in
}

// PurgeSummary is the purge run's one-line summary in Temporal Web.
func PurgeSummary(channelName, channelID string) string {
	return fmt.Sprintf("Exclusão das mensagens do canal %q (%s)", channelName, channelID)
}
