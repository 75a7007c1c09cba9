package activities

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// The purge of a removed channel's messages (SPEC §8). The removal schedules
// it; PurgeMessagesWorkflow decides every later state and these activities
// write what it hands them.

// PurgeStarter starts a channel's purge workflow (app wires it to Temporal):
// at most one per channel, so a retry starts nothing more.
type PurgeStarter interface {
	StartPurge(ctx context.Context, taskQueue string, p domain.Purge, removalRunID, channelName string, retentionDay time.Duration) error
}

// PurgeStore is what the purge needs from the database.
type PurgeStore interface {
	SchedulePurge(ctx context.Context, p domain.Purge, e domain.AuditEntry) error
	RecordPurge(ctx context.Context, p domain.Purge, e domain.AuditEntry) error
	StartPurge(ctx context.Context, channelID string, e domain.AuditEntry) (held bool, err error)
	PurgeBatch(ctx context.Context, channelID string, size int) (domain.PurgeBatch, domain.Purge, error)
	Held(ctx context.Context, channelID string) (bool, error)
}

// SchedulePurgeInput is the removal's retention, decided by its workflow once
// the channel was tombstoned.
type SchedulePurgeInput struct {
	Step
	ChannelName  string        `json:"channel_name"`
	Purge        domain.Purge  `json:"purge"`
	RetentionDay time.Duration `json:"retention_day"`
}

// SchedulePurge records the purge (purge_scheduled) and starts its
// workflow. Both are idempotent: a retry writes and starts nothing more.
func (a *Activities) SchedulePurge(ctx context.Context, in SchedulePurgeInput) error {
	if a.Purges == nil || a.PurgeStore == nil {
		return temporalerr.Encode(domain.Errorf(domain.CodeUnavailable, "o worker não agenda exclusões"))
	}
	e := in.audit(domain.ActionPurgeScheduled, map[string]any{"purge_after_days": in.Purge.PurgeAfterDays, "purge_at": in.Purge.PurgeAt,
		"text": domain.RetentionText(in.Purge.PurgeAfterDays)}, in.key(domain.ActionPurgeScheduled))
	if err := a.PurgeStore.SchedulePurge(ctx, in.Purge, e); err != nil {
		return temporalerr.Encode(err)
	}
	return temporalerr.Encode(a.Purges.StartPurge(ctx, activity.GetInfo(ctx).TaskQueue, in.Purge, in.RunID, in.ChannelName, in.RetentionDay))
}

// PurgeRecordInput is a state of the purge the workflow decided, with the
// audit record that says why (Seq keeps each decision's record apart).
type PurgeRecordInput struct {
	Step
	Purge  domain.Purge   `json:"purge"`
	Action domain.Action  `json:"action"`
	Detail map[string]any `json:"detail,omitempty"`
	Seq    int            `json:"seq"`
}

func (in PurgeRecordInput) entry() domain.AuditEntry {
	return in.audit(in.Action, in.Detail, in.key(in.Action, fmt.Sprint(in.Seq)))
}

// RecordPurge writes the purge's new state with its record.
func (a *Activities) RecordPurge(ctx context.Context, in PurgeRecordInput) error {
	if err := a.PurgeStore.RecordPurge(ctx, in.Purge, in.entry()); err != nil {
		return temporalerr.Encode(err)
	}
	return a.publishPurged(ctx, in)
}

// StartPurge moves the purge to purging (purge_started), unless a legal hold
// stands: then nothing is written and held is true.
func (a *Activities) StartPurge(ctx context.Context, in PurgeRecordInput) (held bool, err error) {
	held, err = a.PurgeStore.StartPurge(ctx, in.ChannelID, in.entry())
	return held, temporalerr.Encode(err)
}

// PurgeBatchInput asks for one batch of a channel's purge.
type PurgeBatchInput struct {
	ChannelID string `json:"channel_id"`
	Size      int    `json:"size"`
}

// PurgeBatchResult is what the batch did, and the purge's totals after it.
type PurgeBatchResult struct {
	Batch domain.PurgeBatch `json:"batch"`
	Purge domain.Purge      `json:"purge"`
}

// PurgeBatch runs one batch (postgres PurgeBatch): whole or not at all, so a
// retry after a kill goes on from where the last committed batch left off.
func (a *Activities) PurgeBatch(ctx context.Context, in PurgeBatchInput) (PurgeBatchResult, error) {
	b, p, err := a.PurgeStore.PurgeBatch(ctx, in.ChannelID, in.Size)
	return PurgeBatchResult{Batch: b, Purge: p}, temporalerr.Encode(err)
}

// PurgeHeld reads whether a legal hold stands on the channel: a held purge
// reads it again every retention day, so a hold lifted whose signal was lost
// (the API commits the hold, then signals) still lets the purge go on.
func (a *Activities) PurgeHeld(ctx context.Context, in PurgeBatchInput) (bool, error) {
	held, err := a.PurgeStore.Held(ctx, in.ChannelID)
	return held, temporalerr.Encode(err)
}

// PurgeNoticeInput is the notice to every admin before (Soon) or after a purge.
type PurgeNoticeInput struct {
	Step
	ChannelName string       `json:"channel_name"`
	Purge       domain.Purge `json:"purge"`
	Soon        bool         `json:"soon"`
	// RetentionDay is the purge's retention day, by which PurgeUntold
	// judges whether a notice went out in time (0: any time).
	RetentionDay time.Duration `json:"retention_day,omitempty"`
}

// NotifyPurge e-mails every admin, once each: the notice before a purge goes
// once per date (a purge moved to another date is announced again), the one
// after it once.
func (a *Activities) NotifyPurge(ctx context.Context, in PurgeNoticeInput) (sent int, err error) {
	rc, err := a.Store.AccountAdmins(ctx, in.AccountID, "")
	if err != nil {
		return 0, temporalerr.Encode(err)
	}
	n := domain.PurgeNotice{AccountName: rc.AccountName, ChannelName: in.ChannelName, ChannelID: in.ChannelID, Purge: in.Purge, Soon: in.Soon, AppURL: a.AppURL}
	action := domain.ActionPurgeDoneNotified
	if in.Soon {
		action = domain.ActionPurgeNoticeSent
	}
	return a.notifyEach(ctx, rc.Admins, n.Subject(), n.Text(), in.noticeKey,
		func(key string, admin domain.User) error {
			return a.Store.MarkNoticeSent(ctx, key, admin.Email, in.audit(action, map[string]any{"to": admin.Email, "purge_at": in.Purge.PurgeAt}, key))
		})
}

// noticeKey names an admin's notice: the one before a purge once per date,
// the one after it once.
func (in PurgeNoticeInput) noticeKey(admin domain.User) string {
	if in.Soon {
		return in.key(domain.ActionPurgeNoticeSent, in.Purge.PurgeAt.UTC().Format(time.RFC3339), admin.ID)
	}
	return in.key(domain.ActionPurgeDoneNotified, "done", admin.ID)
}
