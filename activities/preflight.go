package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
)

// PreflightInput asks whether RequestedBy may remove ChannelID.
type PreflightInput struct {
	Step
	RequestedBy string `json:"requested_by"`
	// Decided: the document for passed and rejected.
	Decided domain.Decided `json:"decided"`
}

// PreflightResult is the verdict and the impact found.
type PreflightResult struct {
	OK        bool            `json:"ok"`
	Reasons   []domain.Reason `json:"reasons"`
	AccountID string          `json:"account_id"`
	Impact    domain.Impact   `json:"impact"`
}

// Outcome is the verdict, for the document the workflow decided.
func (r PreflightResult) Outcome() domain.Outcome {
	if r.OK {
		return domain.OutcomePassed
	}
	return domain.OutcomeRejected
}

// Facts are what the preflight found, the impact's warnings rebuilt from
// its facts (the result carries none: see lean).
func (r PreflightResult) Facts() domain.Facts {
	impact := r.Impact
	impact.Warnings = impact.WarningTexts()
	return domain.Facts{AccountID: r.AccountID, Impact: &impact, Reasons: r.Reasons}
}

// Preflight checks role, ownership, state and active attendances, and collects
// the impact. A rejection is a result, not an error: the run ends `rejected`.
//
// Its verdict is decided once per run: it is written, with its audit record,
// to the run's row in the read model, which the API answers the start from;
// a preflight run again (its workflow task redone after a crash) returns that
// verdict instead of deciding anew, so no answer the admin got is taken back.
// (An attendance opened meanwhile is still caught: the tombstone checks again.)
func (a *Activities) Preflight(ctx context.Context, in PreflightInput) (PreflightResult, error) {
	res, decided, err := a.preflight(ctx, in)
	if err != nil || decided {
		return res.lean(), temporalerr.Encode(err)
	}
	in.Step.AccountID = res.AccountID
	action, detail := domain.ActionPreflightPassed, map[string]any{"impact": res.Impact}
	if !res.OK {
		action, detail = domain.ActionPreflightRejected, map[string]any{"reasons": res.Reasons}
	}
	e := in.Step.audit(action, detail, in.key("preflight"))
	if doc, ok := in.Decided.For(res.Outcome(), res.Facts()); ok {
		e.Removal = &doc
	}
	if err := a.Store.AppendAudit(ctx, e); err != nil {
		return res, err
	}
	return res.lean(), nil
}

// lean is the result as the run's history holds it: the impact's warnings
// are texts rebuilt from its facts (Facts), so they are not carried.
func (r PreflightResult) lean() PreflightResult {
	r.Impact.Warnings = nil
	return r
}

func (a *Activities) preflight(ctx context.Context, in PreflightInput) (res PreflightResult, decided bool, err error) {
	res = PreflightResult{Reasons: []domain.Reason{}, Impact: domain.Impact{ActiveAttendances: []domain.Attendance{}, Warnings: []string{}}}
	reject := func(code domain.Code, msg string) {
		res.Reasons = append(res.Reasons, domain.Reason{Code: code, Message: msg})
	}
	refuse := func(err error) { // a domain rule's refusal, as a reason
		var de *domain.Error
		if errors.As(err, &de) {
			reject(de.Code, de.Message)
		}
	}

	// One read: the requester, the channel, its impact's facts, the
	// removal's latest run and the channel's code history.
	read, err := a.Store.RequesterWithImpact(ctx, in.RequestedBy, in.ChannelID, in.RemovalID,
		domain.ImpactAttendances, domain.ConversationCountCap, &a.Policy.Limits)
	user, ch, facts, run := read.User, read.Channel, read.Facts, read.LatestRun
	if domain.ErrorCode(err) == domain.CodeNotFound {
		reject(domain.CodeForbidden, "usuário solicitante não encontrado")
		return res, false, nil
	} else if err != nil {
		return res, false, err
	}
	if ch == nil {
		// Another account's channel is indistinguishable from a missing one.
		reject(domain.CodeNotFound, "canal não encontrado")
		return res, false, nil
	}
	if run != nil && run.RunID == in.RunID && (run.Status == string(domain.StatusAwaitingAcknowledgement) || run.Status == string(domain.StatusRejected)) {
		return verdictOf(run.Document()), true, nil // this run's verdict, recorded before a crash
	}
	res.AccountID = ch.AccountID
	refuse(domain.CanRemove(user))
	if ch.Status == domain.ChannelRemoved {
		reject(domain.CodeChannelRemoved, "este canal já foi removido")
		return res, false, nil
	}

	res.Impact = domain.ImpactOf(*ch, facts)
	if n := len(res.Impact.ActiveAttendances); n > 0 {
		reject(domain.CodeActiveAttendances, fmt.Sprintf("há %d %s neste canal; %s antes de remover",
			n, domain.Plural(n, "atendimento ativo", "atendimentos ativos"), domain.Plural(n, "encerre-o", "encerre-os")))
	}
	if len(res.Reasons) == 0 {
		// Guessing the code is bounded across runs (SPEC §8): once the
		// channel's or the account's wrong codes reached the budget, no
		// new run gets a code to guess.
		if r := a.Policy.Limits.GuessRefusal(read.Codes); r != nil {
			res.Reasons = append(res.Reasons, *r)
		}
	}
	res.OK = len(res.Reasons) == 0
	return res, false, nil
}

// verdictOf is the preflight's verdict as its run's row recorded it.
func verdictOf(doc domain.Removal) PreflightResult {
	res := PreflightResult{OK: len(doc.Reasons) == 0, Reasons: doc.Reasons, AccountID: doc.AccountID}
	if res.Reasons == nil {
		res.Reasons = []domain.Reason{}
	}
	if doc.Impact != nil {
		res.Impact = *doc.Impact
	}
	return res
}

// AuditInput is a workflow-level step to record (acknowledged, cancelled, ...).
type AuditInput struct {
	Step
	Action domain.Action     `json:"action"`
	Detail map[string]string `json:"detail,omitempty"`
	// Seq distinguishes repeated actions of one run (e.g. refused resends).
	Seq int `json:"seq,omitempty"`
	// Decided: the document the step leads to, if it moves the removal;
	// without its impact (since r6), which the run's row holds (withImpact).
	Decided domain.Decided `json:"decided,omitempty"`
}

// RecordAudit appends an audit record; a retry writes it once. Every failure
// is retryable: an audit record is retried until it lands, never dropped.
func (a *Activities) RecordAudit(ctx context.Context, in AuditInput) error {
	if in.AccountID == "" && in.Action == domain.ActionNoticeFailed { // an admins' notice's step names its run alone (since r6)
		if _, err := a.runOf(ctx, &in.Step); err != nil {
			return temporalerr.Encode(domain.Errorf(domain.CodeUnavailable, "audit record %s not written: %v", in.Action, err))
		}
	}
	detail := map[string]any{}
	for k, v := range in.Detail {
		detail[k] = v
	}
	e := in.Step.audit(in.Action, detail, in.key(in.Action, fmt.Sprint(in.Seq)))
	if doc, ok := in.Decided.For(domain.OutcomeRecorded, domain.Facts{}); ok {
		full, err := a.withImpact(ctx, in.Step, doc)
		if err != nil {
			return temporalerr.Encode(domain.Errorf(domain.CodeUnavailable, "audit record %s not written: %v", in.Action, err))
		}
		e.Removal = &full
	}
	if err := a.Store.AppendAudit(ctx, e); err != nil {
		return temporalerr.Encode(domain.Errorf(domain.CodeUnavailable, "audit record %s not written: %v", in.Action, err))
	}
	return nil
}

// withImpact is doc with the impact the run's row holds, when the workflow
// sent it without one: the preflight found the impact and wrote it, and no
// later step changes it but the tombstone's attendances, written too, so an
// input needs not carry it (it is most of a document).
func (a *Activities) withImpact(ctx context.Context, st Step, doc domain.Removal) (domain.Removal, error) {
	if doc.Impact != nil {
		return doc, nil
	}
	rec, err := a.Store.RemovalRun(ctx, st.RemovalID, st.RunID)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound: // no step wrote it: no impact known
		return doc, nil
	case err != nil:
		return doc, err
	}
	stored, err := rec.Stored()
	if err != nil {
		return doc, err
	}
	doc.Impact = stored.Impact
	return doc, nil
}
