// Package api is the HTTP API of SPEC §3, on Gin.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/gin-gonic/gin/binding"

	"github.com/crm/channel-removal/domain"
)

// Store is what the API reads and writes directly.
type Store interface {
	UserByID(ctx context.Context, id string) (domain.User, error)
	Channel(ctx context.Context, id string) (domain.Channel, error)
	Channels(ctx context.Context, accountID string) ([]domain.Channel, error)
	Conversations(ctx context.Context, channelID string, limit int) ([]domain.Conversation, error)
	Conversation(ctx context.Context, id string) (domain.Conversation, error)
	AddMessage(ctx context.Context, conversationID, authorID, body string) (string, error)
	Ping(ctx context.Context) error
}

// Server holds the API's dependencies.
type Server struct {
	store      Store
	removals   Removals
	jwtSecret  []byte
	codeSecret []byte
	log        *slog.Logger
	engine     *gin.Engine
	resend     time.Duration
}

// Config wires a Server.
type Config struct {
	Store      Store
	Removals   Removals
	JWTSecret  []byte
	CodeSecret []byte
	Log        *slog.Logger
	// ResendInterval is the workflow's resend throttle; zero keeps its default.
	ResendInterval time.Duration
	// Middleware runs first on every request (e.g. metrics).
	Middleware []gin.HandlerFunc
	// Metrics, when set, is served unauthenticated at /metrics for Prometheus.
	Metrics http.Handler
}

func init() {
	gin.SetMode(gin.ReleaseMode)
	// Unknown JSON fields are a 400, everywhere.
	binding.EnableDecoderDisallowUnknownFields = true
}

// New builds the router.
func New(c Config) *Server {
	s := &Server{store: c.Store, removals: c.Removals, jwtSecret: c.JWTSecret, codeSecret: c.CodeSecret, log: c.Log, resend: c.ResendInterval}
	if s.log == nil {
		s.log = slog.Default()
	}
	e := gin.New()
	e.SetTrustedProxies(nil) // client IPs for the audit log come from the socket, not a spoofable header
	e.HandleMethodNotAllowed = true
	e.Use(c.Middleware...)
	e.Use(requestID(), accessLog(s.log), recoverer(s.log), limitBody())
	e.NoRoute(func(c *gin.Context) { fail(c, domain.Errorf(domain.CodeNotFound, "rota não encontrada")) })
	e.NoMethod(func(c *gin.Context) {
		c.Header("Content-Type", "application/problem+json")
		c.AbortWithStatusJSON(http.StatusMethodNotAllowed, gin.H{"type": "about:blank", "title": "Método não permitido",
			"status": http.StatusMethodNotAllowed, "detail": "método não permitido nesta rota", "code": "method_not_allowed"})
	})

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", s.ready)
	if c.Metrics != nil {
		e.GET("/metrics", gin.WrapH(c.Metrics))
	}

	v1 := e.Group("/v1", s.authenticate)
	v1.GET("/channels", s.listChannels)
	v1.GET("/channels/:id/conversations", s.listConversations)
	v1.POST("/channels/:id/removals", s.startRemoval)
	v1.GET("/removals/:id", s.getRemoval)
	v1.POST("/removals/:id/acknowledge", s.acknowledge)
	v1.POST("/removals/:id/resend-code", s.resendCode)
	v1.POST("/removals/:id/verify", s.verify)
	v1.POST("/removals/:id/cancel", s.cancel)
	v1.POST("/conversations/:id/messages", s.sendMessage)
	s.engine = e
	return s
}

// Handler is the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

func (s *Server) ready(c *gin.Context) {
	ctx := c.Request.Context()
	checks := gin.H{"postgres": "ok", "temporal": "ok"}
	ok := true
	if err := s.store.Ping(ctx); err != nil {
		checks["postgres"], ok = err.Error(), false
	}
	if err := s.removals.Ready(ctx); err != nil {
		checks["temporal"], ok = err.Error(), false
	}
	if !ok {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "checks": checks})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok", "checks": checks})
}
