package activities

import (
	"context"
	"errors"
	"fmt"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/metagraph"
)

// RevokeCreditLine makes one attempt at revoking the WABA's share of our
// credit line (domain/credit_line.go) with our business's system-user
// token, as ReleaseNumber does for the number: kept while another live channel still uses the WABA; an
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
	// Still ours to carry while a live channel uses the WABA, or another
	// WABA on the same allocation config: Meta's revocation applies to every
	// WABA of the client's business shared with us.
	if job.CreditOtherLive > 0 {
		detail["other_live_channels"] = job.CreditOtherLive
		return record(domain.CreditLineKept, AttemptResult{Outcome: domain.OutcomeKept},
			in.audit(domain.ActionCreditLineKept, detail, in.key(domain.ActionCreditLineKept)))
	}
	// The allocation config is our business's object: only our system
	// user's token may delete it (the channel's is the client's).
	if a.PartnerToken == "" {
		return failed(true, domain.CreditLineFailureText+domain.CreditLineNoPartnerToken, errors.New("no partner token"))
	}
	outcome, gerr, err := a.callMeta(ctx, in, domain.PartCreditLine, func(ctx context.Context) (metagraph.Outcome, error) {
		o, gerr := a.Graph.RevokeCreditLine(ctx, c.AllocationConfigID, a.PartnerToken)
		CountMetaAttempt(ctx, "revoke_credit_line", gerr)
		return o, gerr
	})
	if err != nil {
		return AttemptResult{}, err
	}
	if gerr != nil {
		var ge *metagraph.Error
		return failed(errors.As(gerr, &ge) && !ge.Transient, creditLineFailure(gerr), gerr)
	}
	detail["outcome"] = string(outcome)
	return record(domain.CreditLineRevoked, AttemptResult{Outcome: domain.OutcomeDone},
		in.audit(domain.ActionCreditLineRevoked, detail, in.key(domain.ActionCreditLineRevoked)))
}

// creditLineFailure is last_error for a failed revocation. A refusal of the
// token (190, 10, 200–299) or a config it cannot load (100) is about our
// business's token, not the channel's: unlinkFailureText's "reconecte o
// canal" would send ops the wrong way.
func creditLineFailure(err error) string {
	var ge *metagraph.Error
	if errors.As(err, &ge) && !ge.Transient && (ge.Code == 190 || ge.Code == 10 || ge.Code == 100 || ge.Code >= 200 && ge.Code <= 299) {
		return domain.CreditLineFailureText + domain.CreditLineTokenRefused(ge.Code, ge.Message)
	}
	return domain.CreditLineFailureText + unlinkFailureText(err)
}
