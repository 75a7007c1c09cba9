package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/metagraph"
)

// RevokeCreditLine makes one attempt at revoking the WABA's share of our
// credit line (domain/credit_line.go), as ReleaseNumber does for the
// number: kept while another live channel still uses the WABA; an
// allocation already gone is done; Meta's refusals are classified as every
// Graph call's (metagraph.Error.Transient).
func (a *Activities) RevokeCreditLine(ctx context.Context, in AttemptInput) (AttemptResult, error) {
	job, _, err := a.Store.UnlinkJob(ctx, in.RemovalID, in.RunID)
	if err != nil {
		return AttemptResult{}, err
	}
	c, on := job.CreditLine()
	switch {
	case !on || c.Status == domain.CreditLineRevoked:
		return AttemptResult{Outcome: domain.OutcomeDone}, nil
	case c.Status == domain.CreditLineKept:
		return AttemptResult{Outcome: domain.OutcomeKept}, nil
	case c.Attempts >= in.Attempt: // recorded before a crash
		return recordedAttempt(c.Status == domain.CreditLineFailed, c.LastError), nil
	}
	record := func(status domain.CreditLineStatus, res AttemptResult, e domain.AuditEntry) (AttemptResult, error) {
		err := recordMetaAnswer(ctx, func() error {
			records, err := in.withDocument(job.Doc, e, res, domain.Facts{CreditLineError: res.Error})
			if err == nil {
				_, err = a.Store.RecordCreditLineAttempt(ctx, in.RemovalID, in.RunID, status, res.Error, a.now(), records...)
			}
			return err
		})
		return res, err
	}
	failed := func(permanent bool, text string, cause error) (AttemptResult, error) {
		status, res := domain.CreditLinePending, AttemptResult{Outcome: domain.OutcomeTransient, Error: text, RetryAfter: retryAfter(cause)}
		if permanent {
			status, res.Outcome = domain.CreditLineFailed, domain.OutcomePermanent
		}
		return record(status, res, in.audit(domain.ActionCreditLineRevokeFailed, map[string]any{"error": text, "permanent": permanent},
			in.key(domain.ActionCreditLineRevokeFailed, fmt.Sprint(in.Attempt))))
	}
	detail := map[string]any{"waba_id": c.WABAID, "allocation_config_id": c.AllocationConfigID}
	if job.OtherLiveChannels > 0 { // the WABA's spend is still ours to carry
		detail["other_live_channels"] = job.OtherLiveChannels
		return record(domain.CreditLineKept, AttemptResult{Outcome: domain.OutcomeKept},
			in.audit(domain.ActionCreditLineKept, detail, in.key(domain.ActionCreditLineKept)))
	}
	token, err := a.openToken(c.ChannelID, c.AccessToken)
	if c.AccessToken == "" || err != nil {
		return failed(true, domain.CreditLineFailureText+"credencial do canal indisponível.", errors.New("no token"))
	}
	outcome, gerr := a.Graph.RevokeCreditLine(ctx, c.AllocationConfigID, token)
	CountMetaAttempt(ctx, "revoke_credit_line", gerr)
	if gerr != nil {
		var ge *metagraph.Error
		return failed(errors.As(gerr, &ge) && !ge.Transient, domain.CreditLineFailureText+unlinkFailureText(gerr), gerr)
	}
	detail["outcome"] = string(outcome)
	return record(domain.CreditLineRevoked, AttemptResult{Outcome: domain.OutcomeDone},
		in.audit(domain.ActionCreditLineRevoked, detail, in.key(domain.ActionCreditLineRevoked)))
}
