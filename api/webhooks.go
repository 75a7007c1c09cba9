package api

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/workflows"
)

// Meta's webhooks (SPEC §3, §7): the verification handshake, and signed
// deliveries of account_update events.

var errBadSignature = domain.Errorf(domain.CodeUnauthorized, "assinatura X-Hub-Signature-256 ausente ou inválida")

// verifyWebhook answers Meta's handshake: the challenge, when the token is ours.
func (s *Server) verifyWebhook(c *gin.Context) error {
	token := c.Query("hub.verify_token")
	if len(s.webhookToken) == 0 || c.Query("hub.mode") != "subscribe" ||
		subtle.ConstantTimeCompare([]byte(token), s.webhookToken) != 1 {
		return domain.Errorf(domain.CodeForbidden, "token de verificação do webhook incorreto")
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.String(http.StatusOK, "%s", c.Query("hub.challenge"))
	return nil
}

// receiveWebhook takes a delivery: nothing is read of a body whose signature
// is not an HMAC-SHA256 of it under META_APP_SECRET. A signed delivery is
// recorded once, and its access-lost and offboarded events go to a workflow
// of its own (workflows.MetaAccessLostWorkflow); the answer does not wait for it.
func (s *Server) receiveWebhook(c *gin.Context) error {
	body, err := io.ReadAll(c.Request.Body) // bounded by limitBody
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return errTooLarge
		}
		return domain.Errorf(domain.CodeInvalid, "corpo da requisição ilegível")
	}
	if !validSignature(s.appSecret, c.GetHeader("X-Hub-Signature-256"), body) {
		return errBadSignature
	}
	now := s.now()
	got, err := parseDelivery(body, now, now)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(body)
	id := hex.EncodeToString(sum[:])
	ctx := c.Request.Context()
	fresh, processed, first, err := s.store.RecordDelivery(ctx, id, body, now, got.events() > 0)
	if err != nil {
		return err
	}
	if !fresh { // a repeat is as old as its first receipt
		got, _ = parseDelivery(body, now, first)
	}
	if got.Stale > 0 {
		s.log.Warn("meta webhook entries older than Meta's retries ignored", "delivery_id", id, "stale_changes", got.Stale)
	}
	if len(got.Ignored) > 0 { // recorded with the delivery; nothing of ours to do
		s.log.Info("meta account_update events ignored", "delivery_id", id, "events", got.Ignored)
	}
	// A repeat of a delivery not yet processed starts its run again: the
	// start finds it (and changes nothing) unless the first try died between
	// the record and the start, which the repeat then makes good. A processed
	// one starts nothing, ever: its run may be long gone from Temporal.
	if got.events() > 0 && !processed {
		if s.deliveries == nil {
			return domain.Errorf(domain.CodeUnavailable, "webhooks da Meta não configurados neste processo")
		}
		if err := s.deliveries.Start(ctx, workflows.MetaAccessLostInput{DeliveryID: id, Events: got.Lost,
			Offboarded: got.Offboarded}); err != nil {
			return err
		}
	}
	s.log.Info("meta webhook delivery", "delivery_id", id, "repeated", !fresh, "processed_before", processed, "access_lost_events", len(got.Lost),
		"offboarded_events", len(got.Offboarded))
	return ok(c, http.StatusOK, gin.H{"received": true})
}

// validSignature checks "sha256=<hex>" against the body's HMAC-SHA256, in
// constant time.
func validSignature(secret []byte, header string, body []byte) bool {
	hexSig, found := strings.CutPrefix(header, "sha256=")
	if len(secret) == 0 || !found {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

// Deliveries starts the workflow of a webhook delivery.
type Deliveries interface {
	Start(ctx context.Context, in workflows.MetaAccessLostInput) error
}

// TemporalDeliveries is Deliveries over a Temporal client.
type TemporalDeliveries struct {
	Client client.Client
	// TaskQueue is where runs start (empty: workflows.TaskQueue).
	TaskQueue string
}

// Start starts the delivery's run under its id; a run of it that exists, or
// existed, is left as it is.
func (t TemporalDeliveries) Start(ctx context.Context, in workflows.MetaAccessLostInput) error {
	ctx, cancel := context.WithTimeout(ctx, DefaultTemporalTimeout)
	defer cancel()
	_, err := t.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.MetaDeliveryID(in.DeliveryID), TaskQueue: workflows.QueueOr(t.TaskQueue),
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            "Webhook da Meta: account_update (acesso removido ou número fora da API)",
	}, workflows.MetaAccessLostWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err == nil || errors.As(err, &started) {
		return nil
	}
	return unavailable(err)
}
