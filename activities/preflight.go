package activities

import (
	"context"
	"fmt"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// PreflightInput asks whether RequestedBy may remove ChannelID.
type PreflightInput struct {
	Step
	RequestedBy string `json:"requested_by"`
}

// PreflightResult is the verdict and the impact found.
type PreflightResult struct {
	OK        bool            `json:"ok"`
	Reasons   []domain.Reason `json:"reasons"`
	AccountID string          `json:"account_id"`
	Impact    domain.Impact   `json:"impact"`
}

// Preflight checks role, ownership, state and active attendances, and collects
// the impact. A rejection is a result, not an error: the run ends `rejected`.
// It only reads, so retrying it is harmless.
func (a *Activities) Preflight(ctx context.Context, in PreflightInput) (PreflightResult, error) {
	res, err := a.preflight(ctx, in)
	if err != nil {
		return res, temporalerr.Encode(err)
	}
	in.Step.AccountID = res.AccountID
	action, detail := "preflight_passed", map[string]any{"impact": res.Impact}
	if !res.OK {
		action, detail = "preflight_rejected", map[string]any{"reasons": res.Reasons}
	}
	e := in.Step.audit(action, detail, in.key("preflight"))
	e.Doc = map[string]any{"impact": res.Impact, "reasons": res.Reasons, "attempts_left": a.Policy.MaxAttempts}
	if err := a.Store.AppendAudit(ctx, e); err != nil {
		return res, err
	}
	return res, nil
}

func (a *Activities) preflight(ctx context.Context, in PreflightInput) (PreflightResult, error) {
	res := PreflightResult{Reasons: []domain.Reason{}, Impact: domain.Impact{ActiveAttendances: []domain.Attendance{}, Warnings: []string{}}}
	reject := func(code domain.Code, msg string) {
		res.Reasons = append(res.Reasons, domain.Reason{Code: code, Message: msg})
	}

	// One read: the requester, the channel and its impact's facts.
	user, ch, facts, err := a.Store.RequesterWithImpact(ctx, in.RequestedBy, in.ChannelID, domain.ImpactAttendances, domain.ConversationCountCap)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		reject(domain.CodeForbidden, "usuário solicitante não encontrado")
		return res, nil
	} else if err != nil {
		return res, err
	}
	if ch == nil {
		// Another account's channel is indistinguishable from a missing one.
		reject(domain.CodeNotFound, "canal não encontrado")
		return res, nil
	}
	res.AccountID = ch.AccountID
	if err := domain.CanRemove(user); err != nil {
		reject(domain.CodeForbidden, err.(*domain.Error).Message)
	}
	if ch.Status == domain.ChannelRemoved {
		reject(domain.CodeChannelRemoved, "este canal já foi removido")
		return res, nil
	}

	res.Impact = domain.ImpactOf(*ch, facts)
	if n := len(res.Impact.ActiveAttendances); n > 0 {
		reject(domain.CodeActiveAttendances, fmt.Sprintf("há %d %s neste canal; %s antes de remover",
			n, domain.Plural(n, "atendimento ativo", "atendimentos ativos"), domain.Plural(n, "encerre-o", "encerre-os")))
	}
	res.OK = len(res.Reasons) == 0
	return res, nil
}

// ImpactStore is what collecting a channel's impact reads.
type ImpactStore interface {
	// ImpactFacts reads up to attendances active attendances, the
	// conversations up to conversationCap+1, the references and the other
	// live channels on the channel's WABA.
	ImpactFacts(ctx context.Context, ch domain.Channel, attendances, conversationCap int) (domain.ImpactFacts, error)
}

// AuditInput is a workflow-level step to record (acknowledged, cancelled, ...).
type AuditInput struct {
	Step
	Action string            `json:"action"`
	Detail map[string]string `json:"detail,omitempty"`
	// Seq distinguishes repeated actions of one run (e.g. refused resends).
	Seq int `json:"seq,omitempty"`
}

// RecordAudit appends an audit record; a retry writes it once. Every failure
// is retryable: an audit record is retried until it lands, never dropped.
func (a *Activities) RecordAudit(ctx context.Context, in AuditInput) error {
	detail := map[string]any{}
	for k, v := range in.Detail {
		detail[k] = v
	}
	if err := a.Store.AppendAudit(ctx, in.Step.audit(in.Action, detail, in.key(in.Action, fmt.Sprint(in.Seq)))); err != nil {
		return temporalerr.Encode(domain.Errorf(domain.CodeUnavailable, "audit record %s not written: %v", in.Action, err))
	}
	return nil
}
