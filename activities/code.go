package activities

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
	"github.com/crm/channel-removal/mail"
	"github.com/crm/channel-removal/vcode"
)

// SendCodeInput asks for send number Seq of the run's code (1 = first send).
type SendCodeInput struct {
	Step
	ChannelName string `json:"channel_name"`
	Seq         int    `json:"seq"`
	// Acknowledged, on the first send, also records the acknowledgement
	// (who confirmed the alert) in the audit log, so that step needs no
	// activity of its own.
	Acknowledged bool `json:"acknowledged,omitempty"`
	// ReleaseNumber, with Acknowledged: the admin also asked to release the
	// phone number (audited as number_release_requested).
	ReleaseNumber bool `json:"release_number,omitempty"`
	// PurgeAfterDays, with Acknowledged: the admin chose to have the
	// messages purged that many days after the removal (retention_chosen).
	PurgeAfterDays int `json:"purge_after_days,omitempty"`
	// Decided: the document once the code went out.
	Decided domain.Decided `json:"decided"`
}

// SendCodeResult says where the code went (masked) and until when it is valid.
type SendCodeResult struct {
	Recipient string    `json:"recipient"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Facts are where the code went and until when.
func (r SendCodeResult) Facts() domain.Facts {
	expires := r.ExpiresAt
	return domain.Facts{CodeSentTo: r.Recipient, CodeExpiresAt: &expires}
}

// SendVerificationCode mints a code, stores its keyed hash and e-mails it to the
// account administrator. A retry of the same Seq re-sends the same code if the
// mail was not accepted yet, and sends nothing if it was: it never mints a second
// code. A new Seq within the resend interval fails with resend_too_soon.
func (a *Activities) SendVerificationCode(ctx context.Context, in SendCodeInput) (SendCodeResult, error) {
	res, err := a.sendCode(ctx, in)
	return res, temporalerr.Encode(err)
}

func (a *Activities) sendCode(ctx context.Context, in SendCodeInput) (SendCodeResult, error) {
	nonce, err := vcode.NewNonce()
	if err != nil {
		return SendCodeResult{}, err
	}
	now := a.now()
	hash, _ := vcode.Decode(vcode.Hash(a.CodeSecret, in.RemovalID, vcode.Derive(a.CodeSecret, nonce)))
	// The channel's code e-mails across runs come with the challenge: only
	// this run sends for the channel now (one removal per channel runs at a
	// time), so the count holds until this send is recorded.
	var refused *domain.Error
	codes := &domain.CodeQuery{ChannelID: in.ChannelID, Limits: a.Policy.Limits}
	ch, err := a.Store.ChangeChallenge(ctx, in.RemovalID, in.RunID, in.AccountID, codes, func(cur *domain.Challenge, to string, hist domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
		if to == "" {
			return nil, nil, domain.Errorf(domain.CodeNotFound, "a conta não tem e-mail de administrador")
		}
		next, err := a.Policy.nextSend(cur, in, to, hash, nonce, now, hist)
		if de := (*domain.Error)(nil); errors.As(err, &de) && de.Code == domain.CodeTooManyCodes {
			// Nothing is minted or sent; the refusal is audited (a retry writes it once).
			refused = de
			e := in.Step.audit(domain.ActionCodeEmailRefused, map[string]any{"code": de.Code, "sent_last_hour": hist.CodeEmails,
				"retry_after": de.Fields["retry_after"]}, in.key(domain.ActionCodeEmailRefused, fmt.Sprint(in.Seq)))
			return nil, &e, nil
		}
		if err != nil || !in.Acknowledged {
			return next, nil, err
		}
		// The first send also records who confirmed the alert, with the code's row.
		ack := in.Step.audit(domain.ActionAcknowledged, map[string]any{"text": AcknowledgementText}, in.key(domain.ActionAcknowledged))
		return next, &ack, nil
	})
	if err != nil {
		return SendCodeResult{}, err
	}
	if refused != nil {
		return SendCodeResult{}, refused
	}
	if in.Acknowledged && in.ReleaseNumber {
		e := in.Step.audit(domain.ActionNumberReleaseRequested, map[string]any{"text": domain.ReleaseNumberLabel}, in.key(domain.ActionNumberReleaseRequested))
		if err := a.Store.AppendAudit(ctx, e); err != nil {
			return SendCodeResult{}, err
		}
	}
	if in.Acknowledged && in.PurgeAfterDays > 0 {
		e := in.Step.audit(domain.ActionRetentionChosen, map[string]any{"purge_after_days": in.PurgeAfterDays,
			"text": domain.RetentionText(in.PurgeAfterDays)}, in.key(domain.ActionRetentionChosen))
		if err := a.Store.AppendAudit(ctx, e); err != nil {
			return SendCodeResult{}, err
		}
	}
	res := SendCodeResult{Recipient: MaskEmail(ch.Recipient), ExpiresAt: ch.ExpiresAt.UTC()}
	if ch.SendSeq != in.Seq || ch.SentAt != nil || ch.CodeNonce == nil {
		return res, nil // this send already went out
	}
	code := vcode.Derive(a.CodeSecret, ch.CodeNonce)
	if err := a.Mail.Send(ctx, codeMail(ch.Recipient, in.approval(), code, a.Policy.CodeTTL)); err != nil {
		a.log().Warn("verification e-mail not sent", "removal_id", in.RemovalID, "seq", in.Seq, "error", err)
		return SendCodeResult{}, err
	}
	e := in.Step.audit(domain.ActionCodeSent, map[string]any{"recipient": res.Recipient, "seq": in.Seq, "expires_at": res.ExpiresAt},
		in.key(domain.ActionCodeSent, fmt.Sprint(in.Seq)))
	if doc, ok := in.Decided.For(domain.OutcomeCodeSent, res.Facts()); ok {
		e.Removal = &doc
	}
	if err := a.Store.MarkCodeSent(ctx, in.RemovalID, in.RunID, in.Seq, a.now(), e); err != nil {
		return SendCodeResult{}, err
	}
	a.log().Info("verification e-mail sent", "removal_id", in.RemovalID, "seq", in.Seq, "to", res.Recipient)
	return res, nil
}

// AcknowledgementText is what the admin confirmed (SPEC §1.2).
const AcknowledgementText = "Estou ciente e desejo prosseguir com a remoção"

// approval is what this send's code approves: the decided document says it
// for every send; the first send's own fields say it too.
func (in SendCodeInput) approval() domain.CodeApproval {
	doc, _ := in.Decided.For(domain.OutcomeCodeSent, domain.Facts{})
	a := domain.ApprovalOf(in.ChannelName, doc)
	a.PurgeAfterDays = max(a.PurgeAfterDays, in.PurgeAfterDays)
	a.ReleaseNumber = a.ReleaseNumber || in.ReleaseNumber
	return a
}

func codeMail(to string, what domain.CodeApproval, code string, ttl time.Duration) mail.Message {
	minutes := int(ttl.Minutes())
	var text, html strings.Builder
	for _, l := range what.Lines() {
		text.WriteString("  - " + l + "\n")
		html.WriteString("<li>" + htmlEscape(l) + "</li>")
	}
	body := fmt.Sprintf(`Olá,

Recebemos um pedido para remover o canal de atendimento "%s" da sua conta.
Este código aprova:
%s
Código de verificação: %s

O código expira em %d minutos. Se você não pediu esta remoção, ignore este e-mail
e avise a equipe: nada será removido sem este código.
`, what.Channel, text.String(), code, minutes)
	htmlBody := fmt.Sprintf(`<p>Olá,</p><p>Recebemos um pedido para remover o canal de atendimento <strong>%s</strong> da sua conta. Este código aprova:</p>
<ul>%s</ul>
<p>Código de verificação: <strong style="font-size:1.4em;letter-spacing:.2em">%s</strong></p>
<p>O código expira em %d minutos. Se você não pediu esta remoção, ignore este e-mail e avise a equipe: nada será removido sem este código.</p>`,
		htmlEscape(what.Channel), html.String(), code, minutes)
	return mail.Message{To: to, Subject: "Código de verificação para remover o canal " + what.Channel, Text: body, HTML: htmlBody}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

// MaskEmail shows enough of an address to recognise it: a***@demo.local.
func MaskEmail(e string) string {
	at := strings.IndexByte(e, '@')
	if at <= 0 {
		return "***"
	}
	return e[:1] + "***" + e[at:]
}

// VerifyInput is one submitted code, as its keyed hash (vcode.Hash).
type VerifyInput struct {
	Step
	Seq      int    `json:"seq"`
	CodeHash string `json:"code_hash"`
	// Decided: the document for a verified and a wrong code.
	Decided domain.Decided `json:"decided"`
}

// VerifyResult is the outcome of one attempt.
type VerifyResult struct {
	OK           bool `json:"ok"`
	AttemptsLeft int  `json:"attempts_left"`
	Expired      bool `json:"expired"`
	Locked       bool `json:"locked"`
	// GuessLimit: this wrong code used up the channel's (or the account's)
	// wrong codes across runs; the run is locked and the admins are told.
	GuessLimit bool `json:"guess_limit,omitempty"`
}

// Outcome is how the check ended, for the document the workflow decided
// (an expired code or a lock: none, the run's end follows).
func (r VerifyResult) Outcome() domain.Outcome {
	switch {
	case r.OK:
		return domain.OutcomeVerified
	case r.Expired || r.Locked:
		return ""
	}
	return domain.OutcomeWrongCode
}

// Facts are the attempts left.
func (r VerifyResult) Facts() domain.Facts {
	left := r.AttemptsLeft
	return domain.Facts{AttemptsLeft: &left}
}

// VerifyCode checks a code hash against the stored one in constant time and
// counts wrong attempts in the database; a retry of the same Seq is not counted twice.
func (a *Activities) VerifyCode(ctx context.Context, in VerifyInput) (VerifyResult, error) {
	hash, err := vcode.Decode(in.CodeHash)
	if err != nil {
		hash = make([]byte, 32) // malformed input is a wrong code, and counts as one
	}
	// The wrong codes the channel and its account may still take across runs
	// (SPEC §8) come with the challenge: as with sends, only this run
	// guesses for the channel now.
	var out VerifyResult
	now := a.now()
	codes := &domain.CodeQuery{ChannelID: in.ChannelID, Limits: a.Policy.Limits, Guess: true}
	_, err = a.Store.ChangeChallenge(ctx, in.RemovalID, in.RunID, in.AccountID, codes, func(cur *domain.Challenge, _ string, hist domain.CodeHistory) (*domain.Challenge, *domain.AuditEntry, error) {
		budget := a.Policy.Limits.GuessesLeft(hist)
		var next *domain.Challenge
		if out, next, err = checkAttempt(cur, in.Seq, hash, now, budget); err != nil {
			return nil, nil, err
		}
		action := domain.ActionCodeRejected
		switch {
		case out.OK:
			action = domain.ActionCodeVerified
		case out.Expired:
			action = domain.ActionCodeExpired
		}
		// Written with the attempt it records; a retried attempt (no change) writes it alone, once.
		e := in.Step.audit(action, map[string]any{"attempts_left": out.AttemptsLeft}, in.key("verify", fmt.Sprint(in.Seq)))
		if doc, ok := in.Decided.For(out.Outcome(), out.Facts()); ok {
			e.Removal = &doc
		}
		return next, &e, nil
	})
	if err != nil {
		return VerifyResult{}, temporalerr.Encode(err)
	}
	return out, nil
}
