package activities

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/temporalerr"
	"github.com/crm/channel-removal/webhook"
)

// The integrations' deliveries (SPEC §9): one POST per attempt of
// WebhookDeliveryWorkflow, whose retry policy is the backoff; each attempt
// is recorded with its answer. Events are published by the activities that
// record the facts (events.go), never by a workflow's own command.

// WebhookStore is what the deliveries need from the database.
type WebhookStore interface {
	WebhookTarget(ctx context.Context, deliveryID string) (domain.WebhookTarget, error)
	RecordWebhookAttempt(ctx context.Context, deliveryID string, at time.Time, status int, answer string, delivered bool, nextTry *time.Time) (*time.Time, error)
	GiveUpWebhookDelivery(ctx context.Context, deliveryID string, at, disableBefore time.Time) (*domain.WebhookEndpoint, error)
}

// ErrWebhookGone is the error type of a delivery whose endpoint was deleted
// or disabled: nothing more to try.
const ErrWebhookGone = "webhook_endpoint_gone"

// ErrWebhookFailed is the error type of an attempt the endpoint did not
// accept (retried by the workflow's policy).
const ErrWebhookFailed = "webhook_failed"

// WebhookDeliveryInput names a delivery (its webhook-id) and its schedule:
// first wait, cap between attempts, and how long to keep trying.
type WebhookDeliveryInput struct {
	ID         string        `json:"id"`
	EndpointID string        `json:"endpoint_id"`
	AccountID  string        `json:"account_id"`
	First      time.Duration `json:"first"`
	Max        time.Duration `json:"max"`
	For        time.Duration `json:"for"`
}

// answerLen bounds the answer kept per attempt: enough to tell a 500's
// reason, never a whole page.
const answerLen = 300

// DeliverWebhook POSTs the delivery's body, signed, to its endpoint and
// records the answer. A 2xx is delivered; anything else, or no answer, is
// recorded and returned as a retryable failure.
func (a *Activities) DeliverWebhook(ctx context.Context, in WebhookDeliveryInput) error {
	t, err := a.Webhooks.WebhookTarget(ctx, in.ID)
	switch {
	case domain.ErrorCode(err) == domain.CodeNotFound:
		return temporal.NewNonRetryableApplicationError("o endpoint foi apagado", ErrWebhookGone, nil)
	case err != nil:
		return temporalerr.Encode(err)
	case t.Delivery.DeliveredAt != nil: // a retry after the record
		return nil
	case t.Disabled:
		return temporal.NewNonRetryableApplicationError("o endpoint está desativado", ErrWebhookGone, nil)
	}
	now := a.now()
	secrets, err := a.signingSecrets(in.EndpointID, t, now)
	if err != nil {
		return err
	}
	sig, err := webhook.Signatures(secrets, in.ID, now, t.Payload)
	if err != nil {
		return err
	}
	status, answer := a.post(ctx, t, in.ID, now, sig)
	delivered := status >= 200 && status < 300
	var next *time.Time
	if !delivered {
		n := now.Add(backoff(in, attemptOf(ctx)))
		next = &n
	}
	if _, err := a.Webhooks.RecordWebhookAttempt(ctx, in.ID, now, status, answer, delivered, next); err != nil {
		return temporalerr.Encode(err)
	}
	a.log().Info("webhook attempt", "webhook_id", in.ID, "endpoint_id", in.EndpointID, "status", status, "delivered", delivered)
	if delivered {
		return nil
	}
	return temporal.NewApplicationError(fmt.Sprintf("o endpoint não aceitou a entrega (%d): %s", status, answer), ErrWebhookFailed)
}

// signingSecrets opens the endpoint's secret and, during a rotation's grace,
// the previous one: both sign (docs/security.md).
func (a *Activities) signingSecrets(endpointID string, t domain.WebhookTarget, now time.Time) ([]string, error) {
	cur, err := a.Credentials.Open(webhook.SealID(endpointID), t.Secret)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("o segredo do endpoint não abre com as chaves configuradas", string(domain.CodeInternal), err)
	}
	out := []string{cur}
	if t.Previous != "" && t.PreviousUntil != nil && now.Before(*t.PreviousUntil) {
		if prev, err := a.Credentials.Open(webhook.SealID(endpointID), t.Previous); err == nil {
			out = append(out, prev)
		}
	}
	return out, nil
}

// post sends one attempt; status 0 means no answer, and answer says why.
func (a *Activities) post(ctx context.Context, t domain.WebhookTarget, id string, at time.Time, sig string) (status int, answer string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.URL, bytes.NewReader(t.Payload))
	if err != nil {
		return 0, short(err.Error())
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "channel-removal-webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	res, err := a.WebhookHTTP.Do(req)
	if err != nil {
		if webhook.IsPrivateDial(err) {
			return 0, "recusado: o endereço aponta para uma rede interna"
		}
		return 0, short(err.Error())
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 4*answerLen))
	return res.StatusCode, short(string(b))
}

// short keeps an answer's first characters, valid UTF-8 on one line.
func short(s string) string {
	s = strings.ToValidUTF8(strings.Join(strings.Fields(s), " "), "")
	for len(s) > answerLen {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// backoff is the wait after the attempt-th failure, as the workflow's retry
// policy computes it: First doubled per attempt, capped at Max.
func backoff(in WebhookDeliveryInput, attempt int32) time.Duration {
	d := in.First
	for i := int32(1); i < attempt && d < in.Max; i++ {
		d *= 2
	}
	return min(d, in.Max)
}

// Attempts is how many attempts the schedule makes within For: the first,
// then one after each wait that still starts inside the window. A count,
// not a deadline, so Temporal Web shows "attempt n of m" (defaults: 26).
func (in WebhookDeliveryInput) Attempts() int32 {
	n, elapsed := int32(1), time.Duration(0)
	for {
		elapsed += backoff(in, n)
		if elapsed > in.For || in.First <= 0 {
			return n
		}
		n++
	}
}

// GiveUpWebhook marks a delivery failed once its retries are over and, when
// its endpoint had no success for WEBHOOK_DISABLE_AFTER, disables it and
// tells every admin of the account, once each (the notices table).
func (a *Activities) GiveUpWebhook(ctx context.Context, in WebhookDeliveryInput) (sent int, err error) {
	now := a.now()
	ep, err := a.Webhooks.GiveUpWebhookDelivery(ctx, in.ID, now, now.Add(-a.WebhookDisableAfter))
	if err != nil || ep == nil {
		return 0, temporalerr.Encode(err)
	}
	a.log().Warn("webhook endpoint disabled", "endpoint_id", ep.ID, "account_id", in.AccountID, "failing_since", ep.FailingSince)
	rc, err := a.Store.AccountAdmins(ctx, in.AccountID, "")
	if err != nil {
		return 0, temporalerr.Encode(err)
	}
	n := domain.WebhookDisabledNotice{AccountName: rc.AccountName, Endpoint: *ep, AppURL: a.AppURL}
	return a.notifyEach(ctx, rc.Admins, n.Subject(), n.Text(),
		func(admin domain.User) string {
			return "webhook_disabled/" + ep.ID + "/" + ep.DisabledAt.UTC().Format(time.RFC3339Nano) + "/" + admin.ID
		},
		func(key string, admin domain.User) error {
			return a.Store.MarkDisconnectionNoticeSent(ctx, key, admin.Email)
		})
}
