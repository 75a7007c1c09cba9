package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/metagraph"
)

// AttemptInput asks for one attempt at what the tombstone left owed to Meta:
// the app's subscription (Unsubscribe) or the number's release
// (ReleaseNumber). The workflow counts the attempts and decides, per outcome,
// what the document becomes, retries included: the activity makes one call.
type AttemptInput struct {
	Step
	// Attempt numbers this attempt of the job (1 = first), across retry-unlink
	// rounds: an attempt already recorded (a retry after a crash) is answered
	// from its record, not made again.
	Attempt int `json:"attempt"`
	// Plan decides what the removal's document, as the run's read-model row
	// holds it, becomes for each outcome (domain.AttemptPlan.From, After):
	// the input carries ids and the plan, never a document.
	Plan domain.AttemptPlan `json:"plan"`
}

// AttemptResult is how the attempt ended; Error is Meta's answer (pt-BR, with
// the Graph code) when it failed, and RetryAfter how long Meta asked to wait
// before the next call (0: it did not say).
type AttemptResult struct {
	Outcome    domain.Outcome `json:"outcome"`
	Error      string         `json:"error,omitempty"`
	RetryAfter time.Duration  `json:"retry_after,omitempty"`
}

// Unsubscribe makes one attempt at unsubscribing our app from the channel's
// WABA (kept when another live channel still uses it) or Page. A Graph
// failure is an outcome (transient or permanent), not an error; "already
// gone" is done. Errors are the store's, and are retried.
func (a *Activities) Unsubscribe(ctx context.Context, in AttemptInput) (AttemptResult, error) {
	job, owed, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID)
	if err != nil {
		return AttemptResult{}, err
	}
	if !owed || job.Status == "" || job.Status == domain.UnlinkDone {
		return AttemptResult{Outcome: domain.OutcomeDone}, nil
	}
	if job.Status == domain.UnlinkSkipped {
		return AttemptResult{Outcome: domain.OutcomeKept}, nil
	}
	if job.Attempts >= in.Attempt { // recorded before a crash
		return recordedAttempt(job.Status == domain.UnlinkFailed, job.LastError), nil
	}
	record := func(status domain.UnlinkStatus, res AttemptResult, e domain.AuditEntry) (AttemptResult, error) {
		records, err := in.withDocument(job.Doc, e, res, domain.Facts{UnlinkError: res.Error})
		if err == nil {
			_, err = a.Store.RecordUnlinkAttempt(ctx, in.RemovalID, in.RunID, status, res.Error, a.now(), records...)
		}
		return res, err
	}
	failed := func(permanent bool, text string, cause error) (AttemptResult, error) {
		status, res := domain.UnlinkPending, AttemptResult{Outcome: domain.OutcomeTransient, Error: text, RetryAfter: retryAfter(cause)}
		if permanent {
			status, res.Outcome = domain.UnlinkFailed, domain.OutcomePermanent
		}
		return record(status, res, in.audit(domain.ActionMetaUnlinkFailed, map[string]any{"error": cause.Error(), "permanent": permanent},
			in.key(domain.ActionMetaUnlinkFailed, fmt.Sprint(in.Attempt))))
	}
	if job.ObjectKind == "waba" && job.OtherLiveChannels > 0 {
		return record(domain.UnlinkSkipped, AttemptResult{Outcome: domain.OutcomeKept}, in.audit(domain.ActionMetaUnlinkSkipped,
			map[string]any{"waba_id": job.ObjectID, "other_live_channels": job.OtherLiveChannels}, in.key(domain.ActionMetaUnlinkSkipped, fmt.Sprint(in.Attempt))))
	}
	if job.AccessToken == "" {
		const why = "canal sem token de acesso da Meta"
		return failed(true, why, errors.New(why))
	}
	token, err := a.openToken(job.ChannelID, job.AccessToken)
	if err != nil {
		return failed(true, "Credencial do canal não pôde ser aberta: "+err.Error()+".", err)
	}
	outcome, gerr, err := a.callMeta(ctx, in, domain.PartSubscription, func(ctx context.Context) (metagraph.Outcome, error) {
		o, gerr := a.Graph.UnsubscribeApp(ctx, job.ObjectID, token)
		CountMetaAttempt(ctx, "unsubscribe", gerr)
		return o, gerr
	})
	if err != nil {
		return AttemptResult{}, err
	}
	if gerr != nil {
		var ge *metagraph.Error
		return failed(errors.As(gerr, &ge) && !ge.Transient, unlinkFailureText(gerr), gerr)
	}
	return record(domain.UnlinkDone, AttemptResult{Outcome: domain.OutcomeDone}, in.audit(domain.ActionMetaUnlinked,
		map[string]any{"object_kind": job.ObjectKind, "object_id": job.ObjectID, "outcome": string(outcome)}, in.key(domain.ActionMetaUnlinked, fmt.Sprint(in.Attempt))))
}

// ReleaseNumber makes one attempt at deregistering the channel's phone
// number. 133016 (Meta's limit on attempts) and other permanent refusals are
// permanent, with when to retry; "already deregistered" is done.
func (a *Activities) ReleaseNumber(ctx context.Context, in AttemptInput) (AttemptResult, error) {
	job, _, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID)
	if err != nil {
		return AttemptResult{}, err
	}
	num, asked := job.Number()
	if !asked || num.Status == domain.NumberReleased {
		return AttemptResult{Outcome: domain.OutcomeDone}, nil
	}
	if num.Attempts >= in.Attempt { // recorded before a crash
		return recordedAttempt(num.Status == domain.NumberFailed, num.LastError), nil
	}
	record := func(status domain.NumberStatus, res AttemptResult, e domain.AuditEntry) (AttemptResult, error) {
		err := recordMetaAnswer(ctx, func() error {
			records, err := in.withDocument(job.Doc, e, res, domain.Facts{NumberError: res.Error})
			if err == nil {
				_, err = a.Store.RecordNumberAttempt(ctx, in.RemovalID, in.RunID, status, res.Error, a.now(), records...)
			}
			return err
		})
		return res, err
	}
	failed := func(permanent bool, text string, cause error) (AttemptResult, error) {
		status, res := domain.NumberPending, AttemptResult{Outcome: domain.OutcomeTransient, Error: text, RetryAfter: retryAfter(cause)}
		if permanent {
			status, res.Outcome = domain.NumberFailed, domain.OutcomePermanent
		}
		return record(status, res, in.audit(domain.ActionNumberReleaseFailed, map[string]any{"error": text, "permanent": permanent},
			in.key(domain.ActionNumberReleaseFailed, fmt.Sprint(in.Attempt))))
	}
	token, err := a.openToken(num.ChannelID, num.AccessToken)
	if num.AccessToken == "" || err != nil {
		return failed(true, "Credencial do canal indisponível para liberar o número.", err)
	}
	outcome, gerr, err := a.callMeta(ctx, in, domain.PartNumber, func(ctx context.Context) (metagraph.Outcome, error) {
		o, gerr := a.Graph.DeregisterNumber(ctx, num.PhoneNumberID, token)
		CountMetaAttempt(ctx, "deregister", gerr)
		return o, gerr
	})
	if err != nil {
		return AttemptResult{}, err
	}
	if gerr != nil {
		var ge *metagraph.Error
		switch {
		case errors.As(gerr, &ge) && ge.Code == metagraph.CodeNumberRateLimited:
			return failed(true, domain.NumberRateLimitedText(a.now()), gerr)
		case errors.As(gerr, &ge) && !ge.Transient:
			return failed(true, "Liberação do número: "+unlinkFailureText(gerr), gerr)
		}
		return failed(false, "Liberação do número: "+unlinkFailureText(gerr), gerr)
	}
	return record(domain.NumberReleased, AttemptResult{Outcome: domain.OutcomeDone}, in.audit(domain.ActionNumberReleased,
		map[string]any{"phone_number_id": num.PhoneNumberID, "outcome": string(outcome)}, in.key(domain.ActionNumberReleased)))
}

// retryAfter is how long a Graph failure asked to wait (0: it did not say).
func retryAfter(err error) time.Duration {
	var ge *metagraph.Error
	if errors.As(err, &ge) {
		return ge.RetryAfter
	}
	return 0
}

// ReleaseOverride makes one attempt at clearing the callback override our
// app set on the channel's phone number: it reads the number's webhook
// configuration and clears the override only while it is still the URI we
// set; one that points elsewhere (another app's) is left alone, as kept.
func (a *Activities) ReleaseOverride(ctx context.Context, in AttemptInput) (AttemptResult, error) {
	job, _, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID)
	if err != nil {
		return AttemptResult{}, err
	}
	o, ours := job.Override()
	switch {
	case !ours || o.Status == domain.OverrideCleared:
		return AttemptResult{Outcome: domain.OutcomeDone}, nil
	case o.Status == domain.OverrideNotOurs:
		return AttemptResult{Outcome: domain.OutcomeKept}, nil
	case o.Attempts >= in.Attempt: // recorded before a crash
		return recordedAttempt(o.Status == domain.OverrideFailed, o.LastError), nil
	}
	record := func(status domain.OverrideStatus, res AttemptResult, e domain.AuditEntry) (AttemptResult, error) {
		records, err := in.withDocument(job.Doc, e, res, domain.Facts{OverrideError: res.Error})
		if err == nil {
			_, err = a.Store.RecordOverrideAttempt(ctx, in.RemovalID, in.RunID, status, res.Error, a.now(), records...)
		}
		return res, err
	}
	failed := func(text string, cause error) (AttemptResult, error) {
		var ge *metagraph.Error
		status, res := domain.OverridePending, AttemptResult{Outcome: domain.OutcomeTransient, Error: text, RetryAfter: retryAfter(cause)}
		if !errors.As(cause, &ge) || !ge.Transient {
			status, res.Outcome = domain.OverrideFailed, domain.OutcomePermanent
		}
		return record(status, res, in.audit(domain.ActionOverrideReleaseFailed, map[string]any{"error": text, "permanent": status == domain.OverrideFailed},
			in.key(domain.ActionOverrideReleaseFailed, fmt.Sprint(in.Attempt))))
	}
	token, err := a.openToken(o.ChannelID, o.AccessToken)
	if o.AccessToken == "" || err != nil {
		return failed("Credencial do canal indisponível para remover o redirecionamento de webhook do número.", errors.New("no token"))
	}
	current, gerr := a.Graph.NumberOverride(ctx, o.PhoneNumberID, token)
	if gerr != nil {
		return failed("Redirecionamento de webhook do número: "+unlinkFailureText(gerr), gerr)
	}
	detail := map[string]any{"phone_number_id": o.PhoneNumberID, "ours": o.URI, "found": current}
	if current == "" { // nothing left to clear
		detail["outcome"] = "already_gone"
		return record(domain.OverrideCleared, AttemptResult{Outcome: domain.OutcomeDone},
			in.audit(domain.ActionOverrideCleared, detail, in.key(domain.ActionOverrideCleared)))
	}
	if current != o.URI { // another app's, or none any more: not ours to touch
		return record(domain.OverrideNotOurs, AttemptResult{Outcome: domain.OutcomeKept},
			in.audit(domain.ActionOverrideLeftAlone, detail, in.key(domain.ActionOverrideLeftAlone)))
	}
	_, gerr, err = a.callMeta(ctx, in, domain.PartOverride, func(ctx context.Context) (metagraph.Outcome, error) {
		return "", a.Graph.ClearNumberOverride(ctx, o.PhoneNumberID, token)
	})
	if err != nil {
		return AttemptResult{}, err
	}
	if gerr != nil {
		return failed("Redirecionamento de webhook do número: "+unlinkFailureText(gerr), gerr)
	}
	return record(domain.OverrideCleared, AttemptResult{Outcome: domain.OutcomeDone},
		in.audit(domain.ActionOverrideCleared, detail, in.key(domain.ActionOverrideCleared)))
}

// recordedAttempt is an attempt's outcome as its job's row recorded it.
func recordedAttempt(permanent bool, lastError string) AttemptResult {
	if permanent {
		return AttemptResult{Outcome: domain.OutcomePermanent, Error: lastError}
	}
	return AttemptResult{Outcome: domain.OutcomeTransient, Error: lastError}
}

// withDocument gives the attempt's record the document the plan leads to
// for its outcome from the run's row (stored, read with the job; the
// workflow moves its own copy the same way) and, when that document ends the
// removal, follows it with the end's record (removal_completed), which then
// carries it. Only this run's steps write the row, one at a time, so it has
// not moved since it was read.
func (in AttemptInput) withDocument(row json.RawMessage, e domain.AuditEntry, res AttemptResult, f domain.Facts) ([]domain.AuditEntry, error) {
	var stored domain.Removal
	if err := json.Unmarshal(row, &stored); err != nil || stored.ID == "" {
		return nil, fmt.Errorf("the run's read-model row holds no document to move on from: %v", err)
	}
	doc, ok := in.Plan.After(in.Plan.From(stored), res.Outcome, f)
	if !ok {
		return []domain.AuditEntry{e}, nil
	}
	if !doc.Final() {
		e.Removal = &doc
		return []domain.AuditEntry{e}, nil
	}
	end := in.audit(domain.EndAction(doc.Status), nil, in.key(domain.EndAction(doc.Status)))
	end.Removal = &doc
	return []domain.AuditEntry{e, end}, nil
}
