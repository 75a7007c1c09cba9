package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/activity"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// DeleteInput asks to tombstone the run's channel.
type DeleteInput struct {
	Step
	// ReleaseNumber: the admin asked to release the phone number; the
	// tombstone hands it to the unlink step.
	ReleaseNumber bool `json:"release_number,omitempty"`
	// Decided: the document for each of the tombstone's outcomes.
	Decided domain.Decided `json:"decided"`
}

// DeleteResult says what the tombstone left owed to Meta, or that it
// refused for an attendance opened since the preflight (nothing changed).
type DeleteResult struct {
	Subscription bool `json:"subscription,omitempty"`
	Number       bool `json:"number,omitempty"`
	// Override: our override on the number is owed a clearing;
	// WABAOverride: our app had one on the WABA (it goes with the subscription).
	Override     bool `json:"override,omitempty"`
	WABAOverride bool `json:"waba_override,omitempty"`
	// CreditLine: the WABA's share of our credit line is owed a revocation.
	CreditLine bool `json:"credit_line,omitempty"`
	// MetaAccessLost: Meta had cut the channel off; nothing is owed to it.
	MetaAccessLost bool `json:"meta_access_lost,omitempty"`
	// Refused: the attendances found, and why.
	Refused *domain.Facts `json:"refused,omitempty"`
}

// Owed is what the tombstone left owed to Meta.
func (d DeleteResult) Owed() domain.MetaOwed {
	return domain.MetaOwed{Override: d.Override, Subscription: d.Subscription, Number: d.Number, WABAOverride: d.WABAOverride,
		CreditLine: d.CreditLine}
}

// Outcome is how the tombstone ended, for the document the workflow decided.
func (r DeleteResult) Outcome() domain.Outcome {
	if r.Refused != nil {
		return domain.OutcomeAttendanceOpened
	}
	return domain.TombstoneResult{Subscription: r.Subscription, Number: r.Number, Override: r.Override, CreditLine: r.CreditLine,
		MetaAccessLost: r.MetaAccessLost}.Outcome()
}

// Facts are what the tombstone found.
func (r DeleteResult) Facts() domain.Facts {
	if r.Refused != nil {
		return *r.Refused
	}
	return domain.Facts{}
}

// DeleteChannel tombstones the channel in one transaction (see
// postgres.Store.RemoveChannel), writing the document the workflow decided
// for its outcome. An attendance opened since preflight is an outcome, not an
// error: removal_rejected is written with its document; a second run changes
// nothing.
func (a *Activities) DeleteChannel(ctx context.Context, in DeleteInput) (DeleteResult, error) {
	r, err := a.Store.RemoveChannel(ctx, domain.Tombstone{
		ChannelID: in.ChannelID, RemovalID: in.RemovalID, RunID: in.RunID, Actor: in.Actor, Now: a.now(),
		ReleaseNumber: in.ReleaseNumber, Decided: in.Decided})
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeActiveAttendances {
			return DeleteResult{}, temporalerr.Encode(err)
		}
		res := DeleteResult{Refused: attendanceFacts(de)}
		e := in.audit(domain.ActionRemovalRejected, de.Fields, in.key(domain.ActionRemovalRejected))
		if doc, ok := in.Decided.For(res.Outcome(), res.Facts()); ok {
			e.Removal = &doc
		}
		return res, a.Store.AppendAudit(ctx, e)
	}
	return DeleteResult{Subscription: r.Subscription, Number: r.Number, Override: r.Override, WABAOverride: r.WABAOverride, CreditLine: r.CreditLine,
		MetaAccessLost: r.MetaAccessLost}, nil
}

// attendanceFacts are the attendances a tombstone found, and the reason.
func attendanceFacts(de *domain.Error) *domain.Facts {
	active, _ := de.Fields["active_attendances"].([]domain.Attendance)
	if active == nil {
		active = []domain.Attendance{}
	}
	return &domain.Facts{ActiveAttendances: active, Reasons: []domain.Reason{{Code: de.Code, Message: de.Message}}}
}

// AbandonInput settles, for good, what nobody retried within the window.
type AbandonInput struct {
	Step
	// Decided: the document it leads to, without its impact (withImpact).
	Decided domain.Decided `json:"decided"`
	// Why the jobs are abandoned; empty (every run before r4): the retry
	// window closed.
	Why string `json:"why,omitempty"`
}

// AbandonUnlink settles what nobody retried within the bounded wait: each
// job still owed is abandoned (its token erased), the failure stays in the
// audit log, and the document the workflow decided is written with the last
// job's record.
func (a *Activities) AbandonUnlink(ctx context.Context, in AbandonInput) error {
	job, ok, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID)
	if err != nil || !ok {
		return err
	}
	why := in.Why
	if why == "" {
		why = domain.ReasonUnlinkWindowExpired
	}
	now := a.now()
	type abandon struct {
		own   domain.Action // the job's record, when another record ends the step
		write func(records ...domain.AuditEntry) error
	}
	var owed []abandon
	if o, ours := job.Override(); ours && (o.Status == domain.OverridePending || o.Status == domain.OverrideFailed) {
		owed = append(owed, abandon{domain.ActionOverrideReleaseAbandoned, func(rs ...domain.AuditEntry) error {
			_, err := a.Store.RecordOverrideAttempt(ctx, in.RemovalID, in.RunID, domain.OverrideAbandoned, why, now, rs...)
			return err
		}})
	}
	if num, asked := job.Number(); asked && num.Status != domain.NumberReleased && num.Status != domain.NumberAbandoned {
		owed = append(owed, abandon{domain.ActionNumberReleaseAbandoned, func(rs ...domain.AuditEntry) error {
			_, err := a.Store.RecordNumberAttempt(ctx, in.RemovalID, in.RunID, domain.NumberAbandoned, why, now, rs...)
			return err
		}})
	}
	if job.OwesCreditLine() {
		owed = append(owed, abandon{domain.ActionCreditLineRevokeAbandoned, func(rs ...domain.AuditEntry) error {
			_, err := a.Store.RecordCreditLineAttempt(ctx, in.RemovalID, in.RunID, domain.CreditLineAbandoned, why, now, rs...)
			return err
		}})
	}
	if job.Status != "" && job.Status != domain.UnlinkDone && job.Status != domain.UnlinkSkipped && job.Status != domain.UnlinkAbandoned {
		owed = append(owed, abandon{domain.ActionMetaUnlinkAbandoned, func(rs ...domain.AuditEntry) error {
			_, err := a.Store.RecordUnlinkAttempt(ctx, in.RemovalID, in.RunID, domain.UnlinkAbandoned, why, now, rs...)
			return err
		}})
	}
	e := in.audit(domain.ActionMetaUnlinkAbandoned, map[string]any{"attempts": job.Attempts}, in.key(domain.ActionMetaUnlinkAbandoned, fmt.Sprint(job.Attempts)))
	if doc, ok := in.Decided.For(domain.OutcomeRecorded, domain.Facts{}); ok {
		full, err := a.withImpact(ctx, in.Step, doc)
		if err != nil {
			return err
		}
		e.Removal = &full
	}
	if len(owed) == 0 {
		return a.Store.AppendAudit(ctx, e)
	}
	// An abandon counts no attempt, so a retry after a partial one repeats
	// the jobs already abandoned harmlessly; the step's record goes last.
	for i, j := range owed {
		rec := in.audit(j.own, nil, in.key(j.own))
		if i == len(owed)-1 {
			rec = e
		}
		if err := j.write(rec); err != nil {
			return err // retried until the records land
		}
	}
	return nil
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
