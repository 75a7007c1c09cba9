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
}

// DeleteResult says what the tombstoning did.
type DeleteResult struct {
	AlreadyRemoved     bool `json:"already_removed"`
	DetachedReferences int  `json:"detached_references"`
	UnlinkPending      bool `json:"unlink_pending"`
}

// DeleteChannel tombstones the channel in one transaction (see
// postgres.Store.RemoveChannel). An attendance opened since preflight fails it
// with a non-retryable active_attendances error; a second run changes nothing.
func (a *Activities) DeleteChannel(ctx context.Context, in DeleteInput) (DeleteResult, error) {
	r, err := a.Store.RemoveChannel(ctx, domain.Tombstone{
		ChannelID: in.ChannelID, RemovalID: in.RemovalID, RunID: in.RunID, Actor: in.Actor, Now: a.now(),
		FinishIfNothingOwed: in.FinishIfNothingOwed})
	if err != nil {
		var de *domain.Error
		if errors.As(err, &de) && de.Code == domain.CodeActiveAttendances {
			// The run ends rejected: its audit record (and the removals row) say why.
			e := in.audit("removal_rejected", de.Fields, in.key("removal_rejected"))
			e.Doc = map[string]any{"reasons": []domain.Reason{{Code: de.Code, Message: de.Message}}}
			if aerr := a.Store.AppendAudit(ctx, e); aerr != nil {
				return DeleteResult{}, aerr
			}
		}
		return DeleteResult{}, temporalerr.Encode(err)
	}
	return DeleteResult{AlreadyRemoved: r.AlreadyRemoved, DetachedReferences: r.DetachedReferences, UnlinkPending: r.UnlinkPending}, nil
}

// Unlink outcomes.
const (
	UnlinkNotNeeded = "not_needed" // no official integration to unlink
	UnlinkDone      = domain.UnlinkDone
	UnlinkSkipped   = domain.UnlinkSkipped
)

// UnlinkInput asks to unlink the run's Meta object.
type UnlinkInput struct {
	Step
	// Finish: a settled unlink ends the removal, so it also writes removal_completed.
	Finish bool `json:"finish,omitempty"`
}

// UnlinkResult is a settled unlink.
type UnlinkResult struct {
	Status   string `json:"status"`
	Attempts int    `json:"attempts"`
	Detail   string `json:"detail,omitempty"`
}

// UnlinkMeta unsubscribes our app from the channel's WABA (unless another live
// channel of ours still uses it) or Page. Transient Graph failures are retryable
// errors; permanent ones are non-retryable meta_permanent errors carrying
// attempts and last_error; "already gone" counts as unlinked. Settled unlinks
// are not called again.
func (a *Activities) UnlinkMeta(ctx context.Context, in UnlinkInput) (UnlinkResult, error) {
	res, finished, err := a.unlinkMeta(ctx, in)
	if err == nil && in.Finish && !finished {
		// Written before the workflow publishes "completed": whoever sees the
		// status finds the record.
		err = a.Store.AppendAudit(ctx, in.audit("removal_completed", nil, in.key("removal_completed")))
	}
	return res, err
}

// unlinkMeta does the unlink; finished says it also wrote removal_completed
// (asked for by in.Finish), with the settled attempt.
func (a *Activities) unlinkMeta(ctx context.Context, un UnlinkInput) (res UnlinkResult, finished bool, err error) {
	in := un.Step
	job, ok, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID)
	if err != nil {
		return UnlinkResult{}, false, err
	}
	if !ok {
		return UnlinkResult{Status: UnlinkNotNeeded}, false, nil
	}
	if job.Status == domain.UnlinkDone || job.Status == domain.UnlinkSkipped {
		return UnlinkResult{Status: job.Status, Attempts: job.Attempts}, false, nil
	}
	record := func(status, lastErr string) (domain.Unlink, error) {
		return a.Store.RecordUnlinkAttempt(ctx, in.RemovalID, in.RunID, status, lastErr, a.now())
	}
	// settle records a settled attempt with its audit record and, when this
	// step ends the removal, removal_completed, in one statement.
	settle := func(status, action string, detail map[string]any) (domain.Unlink, error) {
		shown := job
		shown.Status, shown.Attempts, shown.LastError = status, job.Attempts+1, ""
		e := in.audit(action, detail, in.key(action, fmt.Sprint(shown.Attempts)))
		e.Doc = domain.UnlinkDoc(shown)
		records := []domain.AuditEntry{e}
		if un.Finish {
			done := in.audit("removal_completed", nil, in.key("removal_completed"))
			done.Doc = e.Doc
			records = append(records, done)
		}
		return a.Store.SettleUnlink(ctx, in.RemovalID, in.RunID, status, a.now(), records...)
	}
	if job.ObjectKind == "waba" && job.OtherLiveChannels > 0 {
		u, err := settle(domain.UnlinkSkipped, "meta_unlink_skipped", map[string]any{"waba_id": job.ObjectID, "other_live_channels": job.OtherLiveChannels})
		if err != nil {
			return UnlinkResult{}, false, err
		}
		return UnlinkResult{Status: domain.UnlinkSkipped, Attempts: u.Attempts,
			Detail: fmt.Sprintf("a WABA %s continua em uso por outro canal ativo; inscrição mantida", job.ObjectID)}, un.Finish, nil
	}
	if job.AccessToken == "" {
		u, err := record(domain.UnlinkFailed, "canal sem token de acesso da Meta")
		if err != nil {
			return UnlinkResult{}, false, err
		}
		return UnlinkResult{}, false, temporalerr.Encode(unlinkErr(domain.CodeMetaPermanent, u))
	}
	token, err := a.openToken(job.ChannelID, job.AccessToken)
	if err != nil {
		u, rerr := record(domain.UnlinkFailed, "Credencial do canal não pôde ser aberta: "+err.Error()+".")
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
		u, err := record(status, unlinkFailureText(gerr))
		if err != nil {
			return UnlinkResult{}, false, err
		}
		e := in.audit("meta_unlink_failed", map[string]any{"error": gerr.Error(), "permanent": status == domain.UnlinkFailed},
			in.key("meta_unlink_failed", fmt.Sprint(u.Attempts)))
		// With no automatic retry left, the removal waits in completed_with_warnings for ops.
		shown := u
		shown.Status = "unlinking"
		if status == domain.UnlinkFailed || lastAttempt(ctx) {
			shown.Status, e.Status = domain.UnlinkFailed, domain.StatusCompletedWithWarnings
		}
		e.Doc = domain.UnlinkDoc(shown)
		if err := a.Store.AppendAudit(ctx, e); err != nil {
			return UnlinkResult{}, false, err // retried until the record lands
		}
		return UnlinkResult{}, false, temporalerr.Encode(unlinkErr(code, u))
	}
	u, err := settle(domain.UnlinkDone, "meta_unlinked", map[string]any{"object_kind": job.ObjectKind, "object_id": job.ObjectID, "outcome": string(outcome)})
	if err != nil {
		return UnlinkResult{}, false, err
	}
	return UnlinkResult{Status: domain.UnlinkDone, Attempts: u.Attempts, Detail: string(outcome)}, un.Finish, nil
}

func unlinkErr(code domain.Code, u domain.Unlink) *domain.Error {
	return &domain.Error{Code: code, Message: u.LastError,
		Fields: map[string]any{"attempts": u.Attempts, "last_error": u.LastError}}
}

// AbandonUnlink settles an unlink nobody retried within the bounded wait: the
// token is erased and the failure stays in the audit log.
func (a *Activities) AbandonUnlink(ctx context.Context, in Step) error {
	if _, ok, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID); err != nil || !ok {
		return err
	}
	u, err := a.Store.RecordUnlinkAttempt(ctx, in.RemovalID, in.RunID, domain.UnlinkAbandoned, "nenhuma nova tentativa dentro do prazo", a.now())
	if err != nil {
		return err
	}
	e := in.audit("meta_unlink_abandoned", map[string]any{"attempts": u.Attempts}, in.key("meta_unlink_abandoned", fmt.Sprint(u.Attempts)))
	e.Doc = domain.UnlinkDoc(u)
	return a.Store.AppendAudit(ctx, e) // an error is retried until the record lands
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
