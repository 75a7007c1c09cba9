package app

import (
	"context"
	"errors"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// The admins' notice a removal reconciled past its tombstone owes.

// NoticeStarter starts a SecurityNoticeWorkflow (a duplicate of one that
// exists is no error: the notice goes out once).
type NoticeStarter interface {
	StartNotice(ctx context.Context, id string, n workflows.Notice) error
}

// ClientNotices starts notices with a Temporal client on the worker's task queue.
type ClientNotices struct {
	Client    client.Client
	TaskQueue string
}

func (c ClientNotices) StartNotice(ctx context.Context, id string, n workflows.Notice) error {
	_, err := c.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueOr(c.TaskQueue),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE, StaticSummary: noticeSummary(n.Kind)},
		workflows.NoticeWorkflowName, n)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// noticeSummary is a notice's summary in Temporal Web.
func noticeSummary(k domain.NoticeKind) string {
	if k == domain.NoticeExport {
		return "Aviso aos administradores: conversas exportadas"
	}
	return "Aviso aos administradores: canal removido"
}

// noticeOwed starts, before the record is ended, the admins' notice of a
// removed channel that a run stopped past its tombstone may not have started
// (a terminate during Meta's attempts): the notice is the control against a
// stolen session, and one the run started already makes this a duplicate.
func (r Reconciler) noticeOwed(ctx context.Context, s domain.StaleRemoval, doc domain.Removal) error {
	if r.Notices == nil || !s.Tombstoned {
		return nil
	}
	rec := s.Record
	name, metaError := "", doc.MetaUnlink.LastError
	if doc.Impact != nil {
		name = doc.Impact.ChannelName
	}
	return r.Notices.StartNotice(ctx, workflows.NoticeID(domain.NoticeAdmins, rec.RunID), workflows.Notice{Kind: domain.NoticeAdmins,
		Admins: &activities.NoticeInput{Step: activities.Step{RemovalID: rec.RemovalID, RunID: rec.RunID, AccountID: rec.AccountID,
			ChannelID: rec.ChannelID, Actor: domain.ActorOpsTemporal}, ChannelName: name, Status: doc.Status, MetaError: metaError, At: time.Now()}})
}
