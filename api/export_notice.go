package api

import (
	"context"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// Notices starts a security notice (a SecurityNoticeWorkflow) from the API; a
// duplicate of one that exists is no error, so the notice goes out once.
// app.ClientNotices is the one over Temporal.
type Notices interface {
	StartNotice(ctx context.Context, id string, n workflows.Notice) error
}

// exportNoticeStart bounds the notice's start: Temporal answers a start in
// milliseconds, and the admin waits for it before the first byte.
const exportNoticeStart = 10 * time.Second

// announceExport starts the notice that tells every admin of the account of
// this export: who, from where, when and how much. Its workflow id derives
// from the export's server-made id, so a start retried by the SDK is the same
// notice. The export does not stream unannounced: a notice that cannot be
// started is a 503 before the first byte (its audit record, written just
// before, says the export was asked for and counted; the log says why none
// followed).
func (s *Server) announceExport(ctx context.Context, z *zipExport, n domain.ExportCounts) error {
	if s.notices == nil {
		return nil // a test's API without Temporal; app always wires one
	}
	ctx, cancel := context.WithTimeout(ctx, exportNoticeStart)
	defer cancel()
	actor := s.actor(z.c)
	err := s.notices.StartNotice(ctx, workflows.NoticeID(domain.NoticeExport, z.id), workflows.Notice{Kind: domain.NoticeExport,
		Admins: &activities.NoticeInput{Step: activities.Step{RemovalID: workflows.WorkflowID(z.ch.ID), RunID: "export:" + z.id,
			AccountID: z.ch.AccountID, ChannelID: z.ch.ID, Actor: actor}, ChannelName: z.ch.Name, At: s.now().UTC(),
			Export: &activities.ExportFacts{ID: z.id, Conversations: n.Conversations, Messages: n.Messages}}})
	if err != nil {
		s.log.Error("export refused: its notice did not start", "channel_id", z.ch.ID, "export_id", z.id, "error", err)
		return domain.Errorf(domain.CodeUnavailable, "não foi possível avisar os administradores desta exportação; tente de novo em instantes").
			With("retry_after", 5)
	}
	return nil
}
