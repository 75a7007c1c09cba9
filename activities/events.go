package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// Events for integrators are published where the facts are recorded, by the
// activities that record them, after the record: the workflows' commands
// are unchanged (a publish is inside an activity already scheduled), and an
// activity retried publishes the same fact again, which the webhook-id,
// derived from the fact's key, makes one delivery.
//
//   channel.removed, removal.completed_with_warnings: NotifyAdmins, the
//     admins' notice each removal that removed its channel owes once
//     (completed, or its first completed_with_warnings); key: the removal.
//   conversations.exported: the export's notice (the export's audit record
//     is written before its first byte); key: the export.
//   messages.purged: RecordPurge of messages_purged; key: the channel (one
//     purge per channel, ever).
//   channel.disconnected: DisconnectChannels; key: Meta's delivery and the
//     channel.

// publish hands e to the publisher (none wired: nothing to do).
func (a *Activities) publish(ctx context.Context, e domain.Event) error {
	if a.Events == nil {
		return nil
	}
	if e.At.IsZero() {
		e.At = a.now()
	}
	return temporalerr.Encode(a.Events.Publish(ctx, e))
}

func (a *Activities) publishRemoval(ctx context.Context, in NoticeInput) error {
	e := domain.Event{Type: domain.EventChannelRemoved, Key: in.RemovalID, At: in.At, AccountID: in.AccountID, ChannelID: in.ChannelID,
		RemovalID: in.RemovalID, Data: map[string]any{"channel_name": in.ChannelName, "status": in.Status}}
	if err := a.publish(ctx, e); err != nil || in.Status != domain.StatusCompletedWithWarnings {
		return err
	}
	e.Type, e.Data = domain.EventCompletedWithWarnings, map[string]any{"channel_name": in.ChannelName, "meta_error": in.MetaError}
	return a.publish(ctx, e)
}

func (a *Activities) publishExport(ctx context.Context, in NoticeInput) error {
	return a.publish(ctx, domain.Event{Type: domain.EventConversationsExported, Key: in.Export.ID, At: in.At, AccountID: in.AccountID,
		ChannelID: in.ChannelID, Data: map[string]any{"export_id": in.Export.ID, "channel_name": in.ChannelName,
			"conversations": in.Export.Conversations, "messages": in.Export.Messages, "by": in.Actor.UserID}})
}

func (a *Activities) publishPurged(ctx context.Context, in PurgeRecordInput) error {
	if in.Action != domain.ActionMessagesPurged {
		return nil
	}
	at := a.now()
	if in.Purge.FinishedAt != nil {
		at = *in.Purge.FinishedAt
	}
	return a.publish(ctx, domain.Event{Type: domain.EventMessagesPurged, Key: in.ChannelID, At: at, AccountID: in.Purge.AccountID,
		ChannelID: in.ChannelID, RemovalID: in.Purge.RemovalID, Data: map[string]any{"purged_messages": in.Purge.PurgedMessages,
			"purged_conversations": in.Purge.PurgedConversations, "purge_at": in.Purge.PurgeAt}})
}

func (a *Activities) publishDisconnected(ctx context.Context, deliveryID string, at time.Time, chs []domain.DisconnectedChannel) error {
	for _, ch := range chs {
		if err := a.publish(ctx, domain.Event{Type: domain.EventChannelDisconnected, Key: deliveryID + "/" + ch.ID, At: at,
			AccountID: ch.AccountID, ChannelID: ch.ID, Data: map[string]any{"channel_name": ch.Name, "waba_id": ch.WABAID,
				"meta_event": ch.Event}}); err != nil {
			return err
		}
	}
	return nil
}

// attemptOf is the activity's attempt (1 outside one: a test's call).
func attemptOf(ctx context.Context) int32 {
	if activity.IsActivity(ctx) {
		return activity.GetInfo(ctx).Attempt
	}
	return 1
}
