package app

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// PurgeStarter starts a channel's PurgeMessagesWorkflow for the removal's
// SchedulePurge activity: one per channel, ever, so a retried start finds it
// and starts nothing more.
type PurgeStarter struct{ Client client.Client }

func (s PurgeStarter) StartPurge(ctx context.Context, taskQueue string, p domain.Purge, removalRunID, channelName string, retentionDay time.Duration) error {
	_, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       workflows.PurgeWorkflowID(p.ChannelID),
		TaskQueue:                taskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SAChannelID.ValueSet(p.ChannelID), workflows.SAAccountID.ValueSet(p.AccountID)),
		StaticSummary: workflows.PurgeSummary(channelName, p.ChannelID),
	}, workflows.PurgeWorkflowName, workflows.PurgeInput{Purge: p, RemovalRunID: removalRunID, ChannelName: channelName,
		RetentionDay: workflows.Duration(retentionDay)})
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) { // it ran already (this start is a retry)
		return nil
	}
	return err
}
