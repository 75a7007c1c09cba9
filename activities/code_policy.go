package activities

import (
	"crypto/subtle"
	"math"
	"time"

	"github.com/crm/channel-removal/domain"
)

// The verification code's rules (SPEC §1.3–1.4), decided here on the run's
// challenge as postgres.Store.ChangeChallenge read it (it stores the
// decision only over the version decided on).

// nextSend decides send number in.Seq: a retried send returns nothing new
// (the stored code goes out again, or nothing if it went); a code already
// verified refuses; a send within ResendInterval of the last is too soon;
// a new code beyond the channel's code e-mails across runs (hist) is too
// many; otherwise the new code replaces the old one, attempts carried over.
func (p Policy) nextSend(cur *domain.Challenge, in SendCodeInput, to string, hash, nonce []byte, now time.Time, hist domain.CodeHistory) (*domain.Challenge, error) {
	next := &domain.Challenge{RemovalID: in.RemovalID, RunID: in.RunID, AccountID: in.AccountID, ChannelID: in.ChannelID,
		MaxAttempts: p.MaxAttempts}
	if cur != nil && cur.SendSeq >= in.Seq {
		return nil, nil
	}
	if e := p.Limits.CodeEmailRefusal(hist); e != nil {
		return nil, e
	}
	if cur != nil {
		if cur.VerifiedAt != nil {
			return nil, domain.Errorf(domain.CodeInvalidState, "o código já foi verificado")
		}
		if cur.LastSentAt != nil {
			if wait := cur.LastSentAt.Add(p.ResendInterval).Sub(now); wait > 0 {
				return nil, domain.Errorf(domain.CodeResendTooSoon, "aguarde antes de pedir um novo código").
					With("retry_after", int(math.Ceil(wait.Seconds())))
			}
		}
		c := *cur
		next = &c
	}
	next.Recipient, next.SendSeq, next.CodeHash, next.CodeNonce = to, in.Seq, hash, nonce
	next.ExpiresAt, next.SentAt = now.Add(p.CodeTTL), nil
	return next, nil
}

// checkAttempt decides attempt number seq: compared in constant time; a wrong
// code spends an attempt; a retried attempt (same seq) gets the outcome it
// already had and spends nothing; an expired code or no attempts left say so.
// budget is the wrong codes the channel may still take across runs (for a
// retried attempt, after it): the attempts left never exceed it.
func checkAttempt(cur *domain.Challenge, seq int, hash []byte, now time.Time, budget int) (VerifyResult, *domain.Challenge, error) {
	if cur == nil {
		return VerifyResult{}, nil, domain.Errorf(domain.CodeInvalidState, "nenhum código foi enviado para esta remoção")
	}
	runLeft := cur.MaxAttempts - cur.Attempts
	left := min(runLeft, budget)
	switch {
	case seq <= cur.LastAttemptSeq:
		ok := cur.LastAttemptOK != nil && *cur.LastAttemptOK
		return VerifyResult{OK: ok, AttemptsLeft: left, Locked: !ok && left <= 0, GuessLimit: !ok && budget <= 0}, nil, nil
	case left <= 0:
		return VerifyResult{Locked: true}, nil, nil
	case cur.VerifiedAt != nil:
		return VerifyResult{OK: true, AttemptsLeft: left}, nil, nil
	case !now.Before(cur.ExpiresAt):
		return VerifyResult{Expired: true, AttemptsLeft: left}, nil, nil
	}
	next := *cur
	ok := subtle.ConstantTimeCompare(cur.CodeHash, hash) == 1
	next.LastAttemptSeq, next.LastAttemptOK = seq, &ok
	if ok {
		next.VerifiedAt = &now
		return VerifyResult{OK: true, AttemptsLeft: left}, &next, nil
	}
	next.Attempts++
	if budget-1 <= 0 && runLeft-1 > 0 {
		next.Attempts = next.MaxAttempts // the channel's budget ran out before the run's: the run is locked
	}
	return VerifyResult{AttemptsLeft: left - 1, Locked: left-1 <= 0, GuessLimit: budget-1 <= 0}, &next, nil
}
