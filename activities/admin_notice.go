package activities

import (
	"context"
	"time"

	"github.com/crm/channel-removal/domain"
)

// NoticeInput is a removal that removed its channel: completed, or
// completed_with_warnings with Meta's error. A removal's run sends the
// removal's and run's ids, its actor, status and Meta's error alone (since
// r6): the activity reads the account, the channel, its name, when it was
// removed and whether its number may move from the run's row (withRun). An export's notice, and one started before r6, carry them.
type NoticeInput struct {
	Step
	ChannelName string        `json:"channel_name,omitempty"`
	Status      domain.Status `json:"status"`
	MetaError   string        `json:"meta_error,omitempty"`
	At          time.Time     `json:"at,omitzero"`
	// Export, when set, makes this the notice of an export of the channel's
	// conversations (export.go), not of its removal.
	Export *ExportFacts `json:"export,omitempty"`
	// NumberMove: the notice says what taking the WhatsApp number elsewhere
	// needs (domain.NumberMoveApplies, since r5).
	NumberMove bool `json:"number_move,omitempty"`
}

// NotifyAdmins e-mails every admin of the account, once each, that the
// channel was removed, by whom, when, from where and with what outcome
// (SPEC §7). Each admin's notice is recorded, with its admin_notified audit
// record, as soon as SendGrid accepts it: a retry, or a worker killed
// mid-way, sends only the notices not yet recorded.
func (a *Activities) NotifyAdmins(ctx context.Context, in NoticeInput) (sent int, err error) {
	if in.Export != nil {
		return a.notifyExport(ctx, in)
	}
	in, err = a.withRun(ctx, in)
	if err != nil {
		return 0, err
	}
	// The integrators first: a SendGrid outage delays the e-mails, not them.
	if err := a.publishRemoval(ctx, in); err != nil {
		return 0, err
	}
	rc, err := a.Store.AccountAdmins(ctx, in.AccountID, in.Actor.UserID)
	if err != nil {
		return 0, err
	}
	n := domain.RemovalNotice{AccountName: rc.AccountName, ChannelName: in.ChannelName, ChannelID: in.ChannelID,
		RemovalID: in.RemovalID, RemovedBy: rc.ActorName, RemovedByEmail: rc.ActorEmail, IP: in.Actor.IP, At: in.At,
		Status: in.Status, MetaError: in.MetaError, AppURL: a.AppURL, NumberMove: in.NumberMove}
	if n.RemovedBy == "" {
		n.RemovedBy = in.Actor.UserID
	}
	return a.notifyEach(ctx, rc.Admins, n.Subject(), n.Text(),
		func(admin domain.User) string { return in.key(domain.ActionAdminNotified, admin.ID) },
		func(key string, admin domain.User) error {
			return a.Store.MarkNoticeSent(ctx, key, admin.Email, in.audit(domain.ActionAdminNotified, map[string]any{"to": admin.Email, "outcome": in.Status}, key))
		})
}

// withRun is in with what the run's row says of the removed channel, when
// in carries ids alone.
func (a *Activities) withRun(ctx context.Context, in NoticeInput) (NoticeInput, error) {
	if !in.At.IsZero() {
		return in, nil
	}
	doc, err := a.runOf(ctx, &in.Step)
	if err != nil {
		return in, err
	}
	in.At, in.NumberMove = doc.UpdatedAt, domain.NumberMoveApplies(doc.Impact)
	if doc.CompletedAt != nil {
		in.At = *doc.CompletedAt
	}
	if doc.Impact != nil {
		in.ChannelName = doc.Impact.ChannelName
	}
	return in, nil
}

// runOf is the document of st's run, as its row holds it, with the account
// and channel filled into st when st names the run alone (the admins'
// notice's input, since r6). A run without a row has an empty document.
func (a *Activities) runOf(ctx context.Context, st *Step) (domain.Removal, error) {
	rec, err := a.Store.RemovalRun(ctx, st.RemovalID, st.RunID)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return domain.Removal{}, nil
	case err != nil:
		return domain.Removal{}, err
	}
	if st.AccountID == "" {
		st.AccountID, st.ChannelID = rec.AccountID, rec.ChannelID
	}
	return rec.Document(), nil
}
