package activities

import (
	"context"

	"github.com/crm/channel-removal/domain"
)

// ExportFacts are what the notice of an export states beyond its Step (whose
// RunID is "export:<the export's id>", so that each export's records and
// notices are its own).
type ExportFacts struct {
	ID            string `json:"id"`
	Conversations int64  `json:"conversations"`
	Messages      int64  `json:"messages"`
}

// notifyExport e-mails every admin of the account, once each, that the
// channel's conversations were exported: by whom, when, from which IP and
// how much. It goes through SecurityNoticeWorkflow as an admins' notice (the
// API starts it, workflow id notice:export_notice:<export id>), so a
// SendGrid outage delays it, a refusal for good is audited notice_failed and
// ops are told, as for a removal's notice, with no change to the sealed
// notice workflow's commands.
func (a *Activities) notifyExport(ctx context.Context, in NoticeInput) (sent int, err error) {
	rc, err := a.Store.AccountAdmins(ctx, in.AccountID, in.Actor.UserID)
	if err != nil {
		return 0, err
	}
	n := domain.ExportNotice{AccountName: rc.AccountName, ChannelName: in.ChannelName, ChannelID: in.ChannelID,
		By: rc.ActorName, ByEmail: rc.ActorEmail, IP: in.Actor.IP, At: in.At,
		Conversations: in.Export.Conversations, Messages: in.Export.Messages, AppURL: a.AppURL}
	if n.By == "" {
		n.By = in.Actor.UserID
	}
	return a.notifyEach(ctx, rc.Admins, n.Subject(), n.Text(),
		func(admin domain.User) string { return in.key(domain.ActionExportNotified, admin.ID) },
		func(key string, admin domain.User) error {
			return a.Store.MarkNoticeSent(ctx, key, admin.Email,
				in.audit(domain.ActionExportNotified, map[string]any{"to": admin.Email, "export_id": in.Export.ID}, key))
		})
}
