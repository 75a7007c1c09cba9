package api

// The integrations' endpoints (SPEC §9): an account's admins register the
// URLs their systems hear our events at. Agents get a 403; another account's
// endpoint is a 404, like anything else of another account. The secret is
// shown on creation and rotation only: it is stored sealed and never read
// back out.

import (
	"context"
	"maps"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/webhook"
)

// IntegrationStore is what the endpoints' routes read and write.
type IntegrationStore interface {
	CreateWebhookEndpoint(ctx context.Context, ep domain.WebhookEndpoint, sealed string, max int) (domain.WebhookEndpoint, error)
	WebhookEndpoints(ctx context.Context, accountID string) ([]domain.WebhookEndpoint, error)
	WebhookEndpoint(ctx context.Context, accountID, id string) (domain.WebhookEndpoint, error)
	DeleteWebhookEndpoint(ctx context.Context, accountID, id string) error
	RotateWebhookSecret(ctx context.Context, accountID, id, sealed string, graceUntil time.Time) (domain.WebhookEndpoint, error)
	WebhookDeliveries(ctx context.Context, accountID, endpointID string, limit int) ([]domain.WebhookDelivery, error)
}

// Integrations wires the endpoints' routes.
type Integrations struct {
	Store IntegrationStore
	// Keys seals the secrets at rest (CREDENTIALS_KEY); nil: the routes answer 503.
	Keys *credentials.Keyring
	// AllowPrivate is WEBHOOK_ALLOW_PRIVATE (dev and tests).
	AllowPrivate bool
	// RotationGrace is how long a rotated secret keeps signing.
	RotationGrace time.Duration
	// Resolver checks a URL's addresses (nil: net.DefaultResolver).
	Resolver webhook.Resolver
}

func (s *Server) integrationRoutes(v1 *gin.RouterGroup) {
	v1.POST("/webhook-endpoints", h(s.createEndpoint))
	v1.GET("/webhook-endpoints", h(s.listEndpoints))
	v1.DELETE("/webhook-endpoints/:id", h(s.deleteEndpoint))
	v1.POST("/webhook-endpoints/:id/rotate-secret", h(s.rotateEndpointSecret))
	v1.GET("/webhook-endpoints/:id/deliveries", h(s.endpointDeliveries))
}

// integrationsAdmin is the caller, when an admin and the routes are wired.
func (s *Server) integrationsAdmin(c *gin.Context) (domain.User, error) {
	u := currentUser(c)
	if err := domain.CanManageIntegrations(u); err != nil {
		return u, err
	}
	if s.integrations.Store == nil || s.integrations.Keys == nil {
		return u, domain.Errorf(domain.CodeUnavailable, "as integrações estão indisponíveis neste servidor")
	}
	return u, nil
}

// endpointID is the path's endpoint id; a malformed one names nothing.
// adminsEndpoint is the admin asking and the endpoint the path names.
func (s *Server) adminsEndpoint(c *gin.Context) (domain.User, string, error) {
	u, err := s.integrationsAdmin(c)
	if err != nil {
		return domain.User{}, "", err
	}
	id, err := endpointID(c)
	return u, id, err
}

func endpointID(c *gin.Context) (string, error) {
	if id := c.Param("id"); validID(id) {
		return id, nil
	}
	return "", domain.Errorf(domain.CodeNotFound, "endpoint não encontrado")
}

type endpointRequest struct {
	URL    string             `json:"url"`
	Events []domain.EventType `json:"events"`
}

// withSecret is an endpoint as created or rotated: the one answer that
// carries its secret.
type withSecret struct {
	domain.WebhookEndpoint
	Secret string `json:"secret"`
}

func (s *Server) createEndpoint(c *gin.Context) error {
	u, err := s.integrationsAdmin(c)
	if err != nil {
		return err
	}
	var req endpointRequest
	if err := bind(c, &req, false); err != nil {
		return err
	}
	events, err := eventSet(req.Events)
	if err != nil {
		return err
	}
	var r webhook.Resolver = net.DefaultResolver
	if s.integrations.Resolver != nil {
		r = s.integrations.Resolver
	}
	if _, err := webhook.CheckURL(c.Request.Context(), req.URL, s.integrations.AllowPrivate, r); err != nil {
		return err
	}
	ep := domain.WebhookEndpoint{ID: uuid.NewString(), AccountID: u.AccountID, URL: req.URL, Events: events}
	secret, sealed, err := s.newSecret(ep.ID)
	if err != nil {
		return err
	}
	if ep, err = s.integrations.Store.CreateWebhookEndpoint(c.Request.Context(), ep, sealed, domain.MaxWebhookEndpoints); err != nil {
		return err
	}
	s.log.Info("webhook endpoint registered", "endpoint_id", ep.ID, "account_id", u.AccountID, "user_id", u.ID, "events", events)
	return secretAnswer(c, http.StatusCreated, withSecret{ep, secret}, ep)
}

// eventSet checks the subscribed events: at least one, each known, each once.
func eventSet(in []domain.EventType) ([]domain.EventType, error) {
	if len(in) == 0 {
		return nil, domain.Errorf(domain.CodeInvalid, "escolha ao menos um evento (\"events\")").With("allowed", domain.EventTypes)
	}
	seen, out := map[domain.EventType]bool{}, []domain.EventType{}
	for _, e := range in {
		if !e.Valid() {
			return nil, domain.Errorf(domain.CodeInvalid, "evento desconhecido: %q", e).With("allowed", domain.EventTypes)
		}
		if !seen[e] {
			seen[e], out = true, append(out, e)
		}
	}
	return out, nil
}

// newSecret makes a secret and seals it for the endpoint.
func (s *Server) newSecret(endpointID string) (secret, sealed string, err error) {
	if secret, err = webhook.NewSecret(); err != nil {
		return "", "", err
	}
	sealed, err = s.integrations.Keys.Seal(webhook.SealID(endpointID), secret)
	return secret, sealed, err
}

func (s *Server) listEndpoints(c *gin.Context) error {
	u, err := s.integrationsAdmin(c)
	if err != nil {
		return err
	}
	eps, err := s.integrations.Store.WebhookEndpoints(c.Request.Context(), u.AccountID)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, gin.H{"endpoints": eps, "event_types": domain.EventTypes})
}

func (s *Server) deleteEndpoint(c *gin.Context) error {
	u, id, err := s.adminsEndpoint(c)
	if err != nil {
		return err
	}
	if err := s.integrations.Store.DeleteWebhookEndpoint(c.Request.Context(), u.AccountID, id); err != nil {
		return err
	}
	s.log.Info("webhook endpoint deleted", "endpoint_id", id, "account_id", u.AccountID, "user_id", u.ID)
	c.Status(http.StatusNoContent)
	return nil
}

// rotateEndpointSecret gives the endpoint a new secret; the previous one
// signs beside it for the grace period (docs/security.md).
func (s *Server) rotateEndpointSecret(c *gin.Context) error {
	u, id, err := s.adminsEndpoint(c)
	if err != nil {
		return err
	}
	secret, sealed, err := s.newSecret(id)
	if err != nil {
		return err
	}
	grace := s.integrations.RotationGrace
	if grace <= 0 {
		grace = 24 * time.Hour
	}
	ep, err := s.integrations.Store.RotateWebhookSecret(c.Request.Context(), u.AccountID, id, sealed, s.now().Add(grace))
	if err != nil {
		return err
	}
	s.log.Info("webhook secret rotated", "endpoint_id", id, "account_id", u.AccountID, "user_id", u.ID)
	answer := gin.H{"id": ep.ID, "url": ep.URL, "events": ep.Events, "created_at": ep.CreatedAt,
		"disabled_at": ep.DisabledAt, "failing_since": ep.FailingSince, "previous_valid_until": s.now().Add(grace).UTC()}
	without := maps.Clone(answer)
	answer["secret"] = secret
	return secretAnswer(c, http.StatusOK, answer, without)
}

// endpointDeliveries lists the endpoint's newest deliveries (?limit=, 50 by
// default, at most 200) with every attempt's status and answer.
func (s *Server) endpointDeliveries(c *gin.Context) error {
	u, id, err := s.adminsEndpoint(c)
	if err != nil {
		return err
	}
	limit := 50
	if v := c.Query("limit"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 && n <= 200 {
			limit = n
		} else {
			return domain.Errorf(domain.CodeInvalid, "limit deve ser um número de 1 a 200")
		}
	}
	ctx := c.Request.Context()
	if _, err := s.integrations.Store.WebhookEndpoint(ctx, u.AccountID, id); err != nil {
		return err
	}
	ds, err := s.integrations.Store.WebhookDeliveries(ctx, u.AccountID, id, limit)
	if err != nil {
		return err
	}
	return ok(c, http.StatusOK, gin.H{"deliveries": ds})
}
