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
	// UserWithRemoval and SessionUserWithRemoval read the caller, the channel
	// its request names (nil when not in the caller's account) and, when
	// removalID is set, the latest run of that removal (nil when none).
	UserWithRemoval(ctx context.Context, userID, channelID, removalID string) (domain.User, *domain.Channel, *domain.RemovalRecord, error)
	SessionUserWithRemoval(ctx context.Context, tokenHash []byte, now time.Time, channelID, removalID string) (domain.User, *domain.Channel, *domain.RemovalRecord, error)
	Channel(ctx context.Context, id string) (domain.Channel, error)
	Channels(ctx context.Context, accountID string) ([]domain.Channel, error)
	Conversations(ctx context.Context, channelID string, limit int) ([]domain.Conversation, error)
	Conversation(ctx context.Context, id string) (domain.Conversation, error)
	AddMessage(ctx context.Context, conversationID, authorID, body string) (string, error)
	Messages(ctx context.Context, conversationID string, limit int) ([]domain.Message, error)
	ContinueConversation(ctx context.Context, conversationID, channelID string, actor domain.Actor) (string, error)
	Removals(ctx context.Context, accountID string, limit int) ([]domain.RemovalSummary, error)
	AuditEntries(ctx context.Context, removalID string) ([]domain.AuditEntryView, error)
	LatestRemoval(ctx context.Context, removalID string) (domain.RemovalRecord, error)
	ImpactFacts(ctx context.Context, ch domain.Channel, attendances, conversationCap int) (domain.ImpactFacts, error)
	// Purge reads the channel's purge (ok false: none); SetHold sets or
	// lifts its legal hold with the audit record.
	Purge(ctx context.Context, channelID string) (domain.Purge, bool, error)
	SetHold(ctx context.Context, channelID string, hold *domain.Hold, e domain.AuditEntry) error
	// ReleaseHold lifts the hold set at version, if it still stands;
	// hold_changed otherwise.
	ReleaseHold(ctx context.Context, channelID string, version time.Time, e domain.AuditEntry) error
	// ExportChannel writes the channel's conversations and messages to w from
	// one snapshot, once it has a place among the account's exports.
	ExportChannel(ctx context.Context, x domain.Export, w domain.ExportWriter) error

	Credentials(ctx context.Context, email string) (domain.User, string, error)
	CreateSession(ctx context.Context, tokenHash []byte, userID string, expires time.Time) error
	DeleteSession(ctx context.Context, tokenHash []byte, now time.Time) error
	// Hit counts an attempt in throttle buckets (sign-in, removal starts)
	// before it is evaluated; Forget and Refund take attempts back.
	Hit(ctx context.Context, now time.Time, window time.Duration, keys ...string) ([]domain.Bucket, error)
	Forget(ctx context.Context, key string) error
	// The sign-in's trusted devices and known addresses (session_device.go).
	DeviceHit(ctx context.Context, id []byte, email string, now time.Time, window time.Duration, key string) (domain.Bucket, bool, error)
	AddDevice(ctx context.Context, id []byte, userID string, now, expires time.Time) error
	RenewDevice(ctx context.Context, id []byte, now, expires time.Time) (bool, error)
	RememberAddress(ctx context.Context, userID, address string, now time.Time) error
	KnownAddress(ctx context.Context, email, address string, since time.Time) (bool, error)
	// AppendNewAudit records an action or a refusal the API decides (an
	// export, a limit's refusal); a record not written is an error.
	AppendNewAudit(ctx context.Context, e domain.AuditEntry) error
	Refund(ctx context.Context, key string) error

	// RecordDelivery keeps a signed webhook delivery once; fresh is false for
	// a repeat, processed true once its work is done (pending false: none);
	// first is when it was first received.
	RecordDelivery(ctx context.Context, id string, body []byte, at time.Time, pending bool) (fresh, processed bool, first time.Time, err error)

	// ClaimIdempotencyKey, FinishIdempotencyKey and ReleaseIdempotencyKey
	// keep the first answer of each Idempotency-Key (idempotency.go).
	ClaimIdempotencyKey(ctx context.Context, k domain.IdempotencyKey, now time.Time) (domain.IdempotencyClaim, error)
	FinishIdempotencyKey(ctx context.Context, k domain.IdempotencyKey, token string, a domain.StoredAnswer, now time.Time) error
	ReleaseIdempotencyKey(ctx context.Context, k domain.IdempotencyKey, token string) error

	Ping(ctx context.Context) error
}

// Server holds the API's dependencies.
type Server struct {
	store      Store
	removals   Removals
	deliveries Deliveries
	purges     Purges
	changes    RunWatcher
	jwtSecret  []byte
	codeSecret []byte
	log        *slog.Logger
	engine     *gin.Engine
	resend     time.Duration

	outageWindow, outageRetry time.Duration
	opsAlertAfter             time.Duration
	retentionDay              time.Duration
	startLimit                domain.Limit
	exports                   chan struct{} // the exports streaming now (maxExports)
	notices                   Notices
	exportsPerAccount         int
	exportPace                ExportPace
	secureCookies             bool
	proxies                   proxies // TRUSTED_PROXIES: whose X-Forwarded-Proto says TLS is on
	sessionTTL                time.Duration
	clock                     func() time.Time
	deviceKey                 []byte // signs device cookies (session_device.go); nil: none trusted
	// appSecret checks webhook signatures; webhookToken answers Meta's handshake.
	appSecret, webhookToken []byte
	integrations            Integrations
}

// Config wires a Server.
type Config struct {
	Store    Store
	Removals Removals
	// Deliveries starts the workflow of a Meta webhook delivery.
	Deliveries Deliveries
	// Purges drives the purges of removed channels' messages.
	Purges Purges
	// MetaAppSecret signs Meta's webhook deliveries (META_APP_SECRET; none:
	// every delivery is refused); WebhookVerifyToken is the handshake's token.
	MetaAppSecret, WebhookVerifyToken string
	// Changes announces removals' new runs and status changes, so that a
	// waiting GET /v1/removals/{id} answers the moment its status moves on;
	// nil: such a read looks again every second.
	Changes    RunWatcher
	JWTSecret  []byte
	CodeSecret []byte
	Log        *slog.Logger
	// ResendInterval is the workflow's resend throttle; zero keeps its default.
	ResendInterval time.Duration
	// Middleware runs first on every request (e.g. metrics).
	Middleware []gin.HandlerFunc
	// InsecureCookies drops the session cookie's Secure flag: `dev` only,
	// where the web app is served over plain http on 127.0.0.1.
	InsecureCookies bool
	// OutageWindow and OutageRetryInterval go into each removal's input (how
	// long, and how often, a verified removal retries an unreachable
	// database); zero keeps the workflow's defaults.
	OutageWindow, OutageRetryInterval time.Duration
	// OpsAlertAfter goes into each removal's input too (OPS_ALERT_AFTER).
	OpsAlertAfter time.Duration
	// RetentionDay goes into each removal's input (RETENTION_DAY).
	RetentionDay time.Duration
	// StartLimit bounds removal starts per user (MAX_REMOVAL_STARTS_PER_USER;
	// Max 0: off).
	StartLimit domain.Limit
	// TrustedProxies are the load balancers whose X-Forwarded-For names the
	// client; none: the socket's peer is the client.
	TrustedProxies []string
	// Notices starts the admins' notice of each export (nil: none, a test's
	// API without Temporal).
	Notices Notices
	// ExportsPerAccount bounds an account's exports streaming at once, across
	// processes (0: DefaultExportsPerAccount); ExportPace is the slowest an
	// export may be read (zero: DefaultExportPace).
	ExportsPerAccount int
	ExportPace        ExportPace
	// SessionTTL bounds web sessions; zero is DefaultSessionTTL.
	SessionTTL time.Duration
	// Now is the clock (tests); nil is time.Now.
	Now func() time.Time
	// Integrations serves the webhook endpoints' routes (webhook_endpoints.go).
	Integrations Integrations
}

func init() {
	gin.SetMode(gin.ReleaseMode)
	// Unknown JSON fields are a 400, everywhere.
	binding.EnableDecoderDisallowUnknownFields = true
}

// New builds the router.
func New(c Config) *Server {
	s := &Server{store: c.Store, removals: c.Removals, changes: c.Changes, jwtSecret: c.JWTSecret, codeSecret: c.CodeSecret, log: c.Log, resend: c.ResendInterval,
		secureCookies: !c.InsecureCookies, sessionTTL: c.SessionTTL, clock: c.Now, outageWindow: c.OutageWindow, outageRetry: c.OutageRetryInterval,
		opsAlertAfter: c.OpsAlertAfter, retentionDay: c.RetentionDay, startLimit: c.StartLimit, deliveries: c.Deliveries, purges: c.Purges, appSecret: []byte(c.MetaAppSecret), webhookToken: []byte(c.WebhookVerifyToken)}
	if s.purges == nil {
		s.purges = noPurges{}
	}
	s.exports = make(chan struct{}, maxExports)
	s.exportsPerAccount, s.exportPace, s.notices = c.ExportsPerAccount, c.ExportPace, c.Notices
	if s.exportsPerAccount <= 0 {
		s.exportsPerAccount = DefaultExportsPerAccount
	}
	if s.exportPace.MinRate <= 0 {
		s.exportPace = DefaultExportPace
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.proxies = parseProxies(c.TrustedProxies)
	s.integrations = c.Integrations
	s.deviceKey = deviceKey(c.JWTSecret)
	if s.sessionTTL <= 0 {
		s.sessionTTL = DefaultSessionTTL
	}
	e := gin.New()
	// The audit log's client IP comes from the socket, or from the
	// X-Forwarded-For of a configured load balancer: never from a header
	// anyone could send.
	if err := e.SetTrustedProxies(c.TrustedProxies); err != nil {
		panic("api: TRUSTED_PROXIES passed config.Load but not Gin: " + err.Error())
	}
	e.HandleMethodNotAllowed = true
	e.Use(c.Middleware...)
	e.Use(requestID(), accessLog(s.log), recoverer(s.log), limitBody())
	e.Use(s.strictTransport())
	e.NoRoute(h(func(*gin.Context) error { return domain.Errorf(domain.CodeNotFound, "rota não encontrada") }))
	e.NoMethod(h(func(*gin.Context) error {
		return domain.Errorf(domain.CodeMethodNotAllowed, "método não permitido nesta rota")
	}))

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/readyz", s.ready)

	e.GET("/", h(serveWebApp))
	e.GET("/assets/*file", h(serveAsset))
	e.GET("/openapi.json", h(serveOpenAPI))
	e.POST("/v1/session", h(s.signIn))
	e.GET("/webhooks/meta", h(s.verifyWebhook))
	e.POST("/webhooks/meta", h(s.receiveWebhook))
	e.DELETE("/v1/session", h(s.signOut))

	v1 := e.Group("/v1", endWatches(), h(s.authenticate), h(s.loadCaller), s.idempotency())
	v1.GET("/session", h(s.whoAmI))
	v1.GET("/channels", h(s.listChannels))
	v1.GET("/channels/:id", h(s.getChannel))
	v1.GET("/removals", h(s.listRemovals))
	v1.GET("/removals/:id/audit", h(s.auditTrail))
	v1.GET("/conversations/:id", h(s.getConversation))
	v1.POST("/conversations/:id/continue", h(s.continueConversation))
	v1.GET("/channels/:id/conversations", h(s.listConversations))
	v1.GET("/channels/:id/export", h(s.exportChannel))
	v1.POST("/channels/:id/purge/cancel", h(s.cancelPurge))
	v1.PUT("/channels/:id/purge", h(s.movePurge))
	v1.PUT("/channels/:id/hold", h(s.setHold))
	v1.DELETE("/channels/:id/hold", h(s.releaseHold))
	v1.POST("/channels/:id/removals", h(s.startRemoval))
	v1.GET("/removals/:id", h(s.getRemoval))
	v1.POST("/removals/:id/acknowledge", h(s.acknowledge))
	v1.POST("/removals/:id/resend-code", h(s.resendCode))
	v1.POST("/removals/:id/verify", h(s.verify))
	v1.POST("/removals/:id/cancel", h(s.cancel))
	v1.POST("/conversations/:id/messages", h(s.sendMessage))
	s.integrationRoutes(v1)
	s.engine = e
	return s
}

func (s *Server) now() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}

// Handler is the http.Handler to serve.
func (s *Server) Handler() http.Handler { return s.engine }

// readyTimeout bounds /readyz's checks: a dependency that does not answer
// in time is not ready (a probe that hangs tells its caller nothing).
const readyTimeout = 5 * time.Second

// ready says only ok or unavailable: a dependency's error names hosts, users
// and ports, which are for the log, not for whoever can reach the probe.
func (s *Server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), readyTimeout)
	defer cancel()
	ok := true
	if err := s.store.Ping(ctx); err != nil {
		s.log.Error("not ready: postgres", "error", err)
		ok = false
	}
	if err := s.removals.Ready(ctx); err != nil {
		s.log.Error("not ready: temporal", "error", err)
		ok = false
	}
	if !ok {
		c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable"})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
