package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
	"github.com/crm/channel-removal/metagraph"
)

// DeleteInput asks to tombstone the run's channel.
type DeleteInput struct {
	Step
	// FinishIfNothingOwed: when no Meta unlink is owed, this step ends the
	// removal, so it also writes removal_completed in its transaction.
	FinishIfNothingOwed bool `json:"finish_if_nothing_owed,omitempty"`
	// ReleaseNumber: the admin asked to release the phone number; the
	// tombstone hands it to the unlink step.
	ReleaseNumber bool `json:"release_number,omitempty"`
}

// DeleteResult says what the tombstoning did.
type DeleteResult struct {
	UnlinkPending bool `json:"unlink_pending"`
	// MetaAccessLost: Meta had cut the channel off; nothing is owed to it.
	MetaAccessLost bool `json:"meta_access_lost,omitempty"`
}

// DeleteChannel tombstones the channel in one transaction (see
// postgres.Store.RemoveChannel). An attendance opened since preflight fails it
// with a non-retryable active_attendances error; a second run changes nothing.
func (a *Activities) DeleteChannel(ctx context.Context, in DeleteInput) (DeleteResult, error) {
	r, err := a.Store.RemoveChannel(ctx, domain.Tombstone{
		ChannelID: in.ChannelID, RemovalID: in.RemovalID, RunID: in.RunID, Actor: in.Actor, Now: a.now(),
		FinishIfNothingOwed: in.FinishIfNothingOwed, ReleaseNumber: in.ReleaseNumber})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.CodeActiveAttendances {
			// The run ends rejected: its audit record (and the removals row) say why.
			e := in.audit(domain.ActionRemovalRejected, de.Fields, in.key(domain.ActionRemovalRejected))
			e.Doc = map[string]any{"reasons": []domain.Reason{{Code: de.Code, Message: de.Message}}}
			if aerr := a.Store.AppendAudit(ctx, e); aerr != nil {
				return DeleteResult{}, aerr
			}
		}
		return DeleteResult{}, temporalerr.Encode(err)
	}
	return DeleteResult{UnlinkPending: r.UnlinkPending, MetaAccessLost: r.MetaAccessLost}, nil
}

// UnlinkInput asks to unlink the run's Meta object.
type UnlinkInput struct {
	Step
	// Finish: a settled unlink ends the removal, so it also writes removal_completed.
	Finish bool `json:"finish,omitempty"`
}

// UnlinkResult is a settled unlink.
type UnlinkResult struct {
	Status   domain.UnlinkStatus `json:"status"`
	Attempts int                 `json:"attempts"`
	// Number is the phone number's release, when the admin asked for it.
	Number *domain.NumberRelease `json:"number,omitempty"`
}

// UnlinkMeta unsubscribes our app from the channel's WABA (unless another live
// channel of ours still uses it) or Page and, when the admin asked for it,
// deregisters the channel's phone number (even when a sibling keeps the WABA:
// it concerns only this number). Transient Graph failures are retryable
// errors; permanent ones are non-retryable meta_permanent errors carrying
// attempts and last_error (and the number's state); "already gone" and
// "already deregistered" count as done. Settled parts are not called again,
// and removal_completed is written once both are settled.
func (a *Activities) UnlinkMeta(ctx context.Context, in UnlinkInput) (UnlinkResult, error) {
	job, owed, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID)
	if err != nil {
		return UnlinkResult{}, err
	}
	if !owed {
		return UnlinkResult{Status: domain.UnlinkNotNeeded}, nil
	}
	num, numberAsked := job.Number()
	numberOwed := numberAsked && num.Status != domain.NumberReleased
	sub := in
	sub.Finish = in.Finish && !numberOwed // the number's release ends the step
	res, finished, err := a.unlinkMeta(ctx, sub, job)
	if numberAsked {
		nr := &domain.NumberRelease{Status: num.Status, LastError: num.LastError}
		if err != nil { // the subscription failed: the number waits for the retry
			return res, withFields(err, map[string]any{"number_status": nr.Status, "number_error": nr.LastError})
		}
		if numberOwed {
			if nr, err = a.releaseNumber(ctx, in.Step, num); err != nil {
				if nr == nil { // the store's error: retried
					return res, err
				}
				// The subscription is settled; only the number failed.
				return res, withFields(err, map[string]any{"status": res.Status, "attempts": res.Attempts,
					"number_status": nr.Status, "number_error": nr.LastError})
			}
		}
		res.Number = nr
		if res.Status == domain.UnlinkNotNeeded {
			res.Status = domain.UnlinkDone
		}
	}
	if err == nil && in.Finish && !finished {
		// Written before the workflow publishes "completed": whoever sees the
		// status finds the record.
		err = a.Store.AppendAudit(ctx, in.audit(domain.ActionRemovalCompleted, nil, in.key(domain.ActionRemovalCompleted)))
	}
	return res, err
}

// releaseNumber deregisters the number. 133016 (Meta's limit on attempts)
// and other permanent refusals end it as failed, with when to retry; a
// transient failure leaves it pending for the activity's retry.
func (a *Activities) releaseNumber(ctx context.Context, in Step, num domain.NumberJob) (*domain.NumberRelease, error) {
	fail := func(status domain.NumberStatus, text string, code domain.Code) (*domain.NumberRelease, error) {
		attempt := num.Attempts + 1
		e := in.audit(domain.ActionNumberReleaseFailed, map[string]any{"error": text, "permanent": status == domain.NumberFailed},
			in.key(domain.ActionNumberReleaseFailed, fmt.Sprint(attempt)))
		e.Doc = domain.NumberDoc(status, text)
		if status == domain.NumberFailed || lastAttempt(ctx) {
			e.Doc = domain.NumberDoc(domain.NumberFailed, text)
			e.Status = domain.StatusCompletedWithWarnings
		}
		// The attempt and its record in one statement: retried until both land.
		n, err := a.Store.RecordNumberAttempt(ctx, in.RemovalID, in.RunID, status, text, a.now(), e)
		if err != nil {
			return nil, err
		}
		nr := &domain.NumberRelease{Status: status, LastError: text}
		return nr, temporalerr.Encode(&domain.Error{Code: code, Message: text,
			Fields: map[string]any{"attempts": n.Attempts, "last_error": text}})
	}
	token, err := a.openToken(num.ChannelID, num.AccessToken)
	if num.AccessToken == "" || err != nil {
		return fail(domain.NumberFailed, "Credencial do canal indisponível para liberar o número.", domain.CodeMetaPermanent)
	}
	outcome, gerr := a.Graph.DeregisterNumber(ctx, num.PhoneNumberID, token)
	if gerr != nil {
		var ge *metagraph.Error
		switch {
		case errors.As(gerr, &ge) && ge.Code == metagraph.CodeNumberRateLimited:
			return fail(domain.NumberFailed, domain.NumberRateLimitedText(a.now()), domain.CodeMetaPermanent)
		case errors.As(gerr, &ge) && !ge.Transient:
			return fail(domain.NumberFailed, "Liberação do número: "+unlinkFailureText(gerr), domain.CodeMetaPermanent)
		}
		return fail(domain.NumberPending, "Liberação do número: "+unlinkFailureText(gerr), domain.CodeMetaTransient)
	}
	e := in.audit(domain.ActionNumberReleased, map[string]any{"phone_number_id": num.PhoneNumberID, "outcome": string(outcome)}, in.key(domain.ActionNumberReleased))
	e.Doc = domain.NumberDoc(domain.NumberReleased, "")
	if _, err := a.Store.RecordNumberAttempt(ctx, in.RemovalID, in.RunID, domain.NumberReleased, "", a.now(), e); err != nil {
		return nil, err // retried: Meta answers a second deregistration as done
	}
	return &domain.NumberRelease{Status: domain.NumberReleased}, nil
}

// withFields adds fields to the domain error err carries.
func withFields(err error, add map[string]any) error {
	de, ok := temporalerr.Decode(err)
	if !ok {
		return err
	}
	fields := map[string]any{}
	for k, v := range de.Fields {
		fields[k] = v
	}
	for k, v := range add {
		fields[k] = v
	}
	return temporalerr.Encode(&domain.Error{Code: de.Code, Message: de.Message, Fields: fields})
}

// unlinkMeta does the unlink; finished says it also wrote removal_completed
// (asked for by in.Finish), with the settled attempt.
func (a *Activities) unlinkMeta(ctx context.Context, un UnlinkInput, job domain.Unlink) (res UnlinkResult, finished bool, err error) {
	in := un.Step
	if job.Status == "" { // only the number is owed
		return UnlinkResult{Status: domain.UnlinkNotNeeded}, false, nil
	}
	if job.Status == domain.UnlinkDone || job.Status == domain.UnlinkSkipped {
		return UnlinkResult{Status: job.Status, Attempts: job.Attempts}, false, nil
	}
	// failed records a failed attempt with its meta_unlink_failed record, in
	// one statement; with no automatic retry left, the removal waits in
	// completed_with_warnings for ops.
	failed := func(status domain.UnlinkStatus, lastErr string, cause error) (domain.Unlink, error) {
		shown := job
		shown.Status, shown.Attempts, shown.LastError = domain.UnlinkUnlinking, job.Attempts+1, lastErr
		e := in.audit(domain.ActionMetaUnlinkFailed, map[string]any{"error": cause.Error(), "permanent": status == domain.UnlinkFailed},
			in.key(domain.ActionMetaUnlinkFailed, fmt.Sprint(shown.Attempts)))
		if status == domain.UnlinkFailed || lastAttempt(ctx) {
			shown.Status, e.Status = domain.UnlinkFailed, domain.StatusCompletedWithWarnings
		}
		e.Doc = domain.UnlinkDoc(shown)
		return a.Store.RecordUnlinkAttempt(ctx, in.RemovalID, in.RunID, status, lastErr, a.now(), e)
	}
	// settle records a settled attempt with its audit record and, when this
	// step ends the removal, removal_completed, in one statement.
	settle := func(status domain.UnlinkStatus, action domain.Action, detail map[string]any) (domain.Unlink, error) {
		shown := job
		shown.Status, shown.Attempts, shown.LastError = status, job.Attempts+1, ""
		e := in.audit(action, detail, in.key(action, fmt.Sprint(shown.Attempts)))
		e.Doc = domain.UnlinkDoc(shown)
		records := []domain.AuditEntry{e}
		if un.Finish {
			done := in.audit(domain.ActionRemovalCompleted, nil, in.key(domain.ActionRemovalCompleted))
			done.Doc = e.Doc
			records = append(records, done)
		}
		return a.Store.SettleUnlink(ctx, in.RemovalID, in.RunID, status, a.now(), records...)
	}
	if job.ObjectKind == "waba" && job.OtherLiveChannels > 0 {
		u, err := settle(domain.UnlinkSkipped, domain.ActionMetaUnlinkSkipped, map[string]any{"waba_id": job.ObjectID, "other_live_channels": job.OtherLiveChannels})
		if err != nil {
			return UnlinkResult{}, false, err
		}
		return UnlinkResult{Status: domain.UnlinkSkipped, Attempts: u.Attempts}, un.Finish, nil
	}
	if job.AccessToken == "" {
		const why = "canal sem token de acesso da Meta"
		u, err := failed(domain.UnlinkFailed, why, errors.New(why))
		if err != nil {
			return UnlinkResult{}, false, err
		}
		return UnlinkResult{}, false, temporalerr.Encode(unlinkErr(domain.CodeMetaPermanent, u))
	}
	token, err := a.openToken(job.ChannelID, job.AccessToken)
	if err != nil {
		u, rerr := failed(domain.UnlinkFailed, "Credencial do canal não pôde ser aberta: "+err.Error()+".", err)
		if rerr != nil {
			return UnlinkResult{}, false, rerr
		}
		return UnlinkResult{}, false, temporalerr.Encode(unlinkErr(domain.CodeMetaPermanent, u))
	}
	outcome, gerr := a.Graph.UnsubscribeApp(ctx, job.ObjectID, token)
	if gerr != nil {
		status, code := domain.UnlinkPending, domain.CodeMetaTransient
		var ge *metagraph.Error
		if errors.As(gerr, &ge) && !ge.Transient {
			status, code = domain.UnlinkFailed, domain.CodeMetaPermanent
		}
		u, err := failed(status, unlinkFailureText(gerr), gerr)
		if err != nil {
			return UnlinkResult{}, false, err // retried until the attempt and its record land
		}
		return UnlinkResult{}, false, temporalerr.Encode(unlinkErr(code, u))
	}
	u, err := settle(domain.UnlinkDone, domain.ActionMetaUnlinked, map[string]any{"object_kind": job.ObjectKind, "object_id": job.ObjectID, "outcome": string(outcome)})
	if err != nil {
		return UnlinkResult{}, false, err
	}
	return UnlinkResult{Status: domain.UnlinkDone, Attempts: u.Attempts}, un.Finish, nil
}

func unlinkErr(code domain.Code, u domain.Unlink) *domain.Error {
	return &domain.Error{Code: code, Message: u.LastError,
		Fields: map[string]any{"attempts": u.Attempts, "last_error": u.LastError}}
}

// AbandonUnlink settles an unlink nobody retried within the bounded wait: the
// token is erased and the failure stays in the audit log.
func (a *Activities) AbandonUnlink(ctx context.Context, in Step) error {
	job, ok, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID)
	if err != nil || !ok {
		return err
	}
	const why = "nenhuma nova tentativa dentro do prazo"
	doc, attempts := map[string]any{}, job.Attempts
	num, asked := job.Number()
	numberOwed := asked && num.Status != domain.NumberReleased
	unlinkOwed := job.Status != "" && job.Status != domain.UnlinkDone && job.Status != domain.UnlinkSkipped
	if numberOwed {
		doc = domain.NumberDoc(domain.NumberFailed, why)
	}
	if unlinkOwed {
		shown := job
		shown.Status, shown.LastError = domain.UnlinkAbandoned, why
		for k, v := range domain.UnlinkDoc(shown) {
			doc[k] = v
		}
	}
	e := in.audit(domain.ActionMetaUnlinkAbandoned, map[string]any{"attempts": attempts}, in.key(domain.ActionMetaUnlinkAbandoned, fmt.Sprint(attempts)))
	e.Doc = doc
	// Each job's abandon is written with the record: the number's first (an
	// abandon counts no attempt, so a retry after it repeats it harmlessly),
	// the step's record with the last.
	switch {
	case numberOwed && unlinkOwed:
		if _, err := a.Store.RecordNumberAttempt(ctx, in.RemovalID, in.RunID, domain.NumberAbandoned, why, a.now(),
			in.audit(domain.ActionNumberReleaseAbandoned, nil, in.key(domain.ActionNumberReleaseAbandoned))); err != nil {
			return err
		}
		_, err = a.Store.RecordUnlinkAttempt(ctx, in.RemovalID, in.RunID, domain.UnlinkAbandoned, why, a.now(), e)
	case numberOwed:
		_, err = a.Store.RecordNumberAttempt(ctx, in.RemovalID, in.RunID, domain.NumberAbandoned, why, a.now(), e)
	case unlinkOwed:
		_, err = a.Store.RecordUnlinkAttempt(ctx, in.RemovalID, in.RunID, domain.UnlinkAbandoned, why, a.now(), e)
	default:
		err = a.Store.AppendAudit(ctx, e)
	}
	return err // an error is retried until the records land
}

// lastAttempt: the retry policy gives this activity no further attempt, so the
// workflow will report the failure as completed_with_warnings.
func lastAttempt(ctx context.Context) bool {
	if !activity.IsActivity(ctx) {
		return false
	}
	info := activity.GetInfo(ctx)
	return info.RetryPolicy != nil && info.RetryPolicy.MaximumAttempts > 0 && info.Attempt >= info.RetryPolicy.MaximumAttempts
}

// heartbeat tells Temporal a long activity is alive (one notice per admin):
// a worker killed mid-way is noticed within the heartbeat timeout, not the
// whole start-to-close one.
func heartbeat(ctx context.Context, progress any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, progress)
	}
}

// openToken unseals a channel's access token. A token stored before tokens
// were sealed (migration 4 seals them all) is used as it is.
func (a *Activities) openToken(channelID, stored string) (string, error) {
	if !credentials.Sealed(stored) {
		a.log().Warn("channel token is not sealed; run `migrate up` with CREDENTIALS_KEY", "channel_id", channelID)
		return stored, nil
	}
	if a.Credentials == nil {
		return "", errors.New("CREDENTIALS_KEY is not configured")
	}
	return a.Credentials.Open(channelID, stored)
}
