// Package config reads the environment (SPEC §2) into one typed struct with
// caarlos0/env: defaults, required values and durations are declared on the
// fields instead of hand-parsed.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/temporalcodec"
)

// Config is every setting of every process.
type Config struct {
	DatabaseURL string `env:"DATABASE_URL" envDefault:"postgres://postgres@127.0.0.1:5432/channel_removal?sslmode=disable"`
	// DatabasePoolSize is each process's connections, opened at start:
	// replicas × this must stay under Postgres's max_connections.
	DatabasePoolSize int    `env:"DATABASE_POOL_SIZE" envDefault:"20"`
	HTTPAddr         string `env:"HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	// TrustedProxies are the load balancers (IPs or CIDRs) whose
	// X-Forwarded-For gives the client IP that the audit log records; unset,
	// the socket's peer is the client.
	TrustedProxies    []string `env:"TRUSTED_PROXIES" envSeparator:","`
	TemporalAddress   string   `env:"TEMPORAL_ADDRESS"`
	TemporalNamespace string   `env:"TEMPORAL_NAMESPACE" envDefault:"default"`
	// TemporalTaskQueue is the contract's channel-removal; tests give each
	// of theirs a queue of its own.
	TemporalTaskQueue string `env:"TEMPORAL_TASK_QUEUE" envDefault:"channel-removal"`
	TemporalPort      int    `env:"TEMPORAL_PORT" envDefault:"7233"`
	TemporalUIPort    int    `env:"TEMPORAL_UI_PORT" envDefault:"8233"`
	TemporalDBFile    string `env:"TEMPORAL_DB_FILE" envDefault:".data/temporal.db"`
	AuthJWTSecret     Secret `env:"AUTH_JWT_SECRET"`
	CodeSecret        Secret `env:"CODE_SECRET"`
	// CredentialsKey seals channel access tokens at rest: "id:base64key[,...]"
	// (credentials.Parse); the first key seals, all open.
	CredentialsKey  Secret `env:"CREDENTIALS_KEY"`
	SendGridAPIKey  Secret `env:"SENDGRID_API_KEY"`
	SendGridBaseURL string `env:"SENDGRID_BASE_URL" envDefault:"https://api.sendgrid.com"`
	MailFrom        string `env:"MAIL_FROM" envDefault:"no-reply@localhost"`
	// MailOps receives the alert about a Meta unlink that stays failed for
	// OpsAlertAfter (unset: no alert).
	MailOps       string        `env:"MAIL_OPS"`
	OpsAlertAfter time.Duration `env:"OPS_ALERT_AFTER" envDefault:"24h"`
	// RetentionDay is one day of a retention chosen at removal (SPEC §8);
	// tests shorten it.
	RetentionDay     time.Duration `env:"RETENTION_DAY" envDefault:"24h"`
	MetaGraphBaseURL string        `env:"META_GRAPH_BASE_URL"`
	// MetaAppSecret signs Meta's webhook deliveries (X-Hub-Signature-256);
	// MetaWebhookVerifyToken is what Meta echoes in the verification handshake.
	MetaAppSecret          Secret `env:"META_APP_SECRET"`
	MetaWebhookVerifyToken Secret `env:"META_WEBHOOK_VERIFY_TOKEN"`
	MetaPartner                   // META_PARTNER_TOKEN (meta_partner.go)
	// AppURL is the web app's public address, for the links in e-mails
	// ("": http:// and HTTP_ADDR).
	AppURL           string `env:"APP_URL"`
	MetaGraphVersion string `env:"META_GRAPH_VERSION" envDefault:"v23.0"`
	LogLevel         string `env:"LOG_LEVEL" envDefault:"info"`
	// DemoPassword is the demo users' password that `dev` sets and prints.
	DemoPassword Secret `env:"DEMO_PASSWORD" envDefault:"demo1234"`

	// Temporal outside the process: mTLS (self-hosted) or an API key (Temporal Cloud).
	TemporalTLSCert       string `env:"TEMPORAL_TLS_CERT"` // client certificate file (PEM)
	TemporalTLSKey        string `env:"TEMPORAL_TLS_KEY"`  // its private key file (PEM)
	TemporalTLSCA         string `env:"TEMPORAL_TLS_CA"`   // CA bundle to verify the server; system roots if unset
	TemporalTLSServerName string `env:"TEMPORAL_TLS_SERVER_NAME"`
	TemporalAPIKey        Secret `env:"TEMPORAL_API_KEY"`

	// Worker pollers (see worker.Tuning); the defaults are measured by `bench`.
	WorkerWorkflowPollers int  `env:"WORKER_WORKFLOW_POLLERS" envDefault:"32"`
	WorkerActivityPollers int  `env:"WORKER_ACTIVITY_POLLERS" envDefault:"8"`
	WorkerPollerAutoscale bool `env:"WORKER_POLLER_AUTOSCALE" envDefault:"false"`
	WorkerNoSticky        bool `env:"WORKER_NO_STICKY" envDefault:"false"`
	WorkerEagerActivities bool `env:"WORKER_EAGER_ACTIVITIES" envDefault:"true"`
	// WorkerBuildID is this build's Worker Deployment Version under the
	// deployment channel-removal; empty is worker.DefaultBuildID() (from the
	// binary's build), "dev" in dev. WorkerVersioning=false registers an
	// unversioned worker (a server without Worker Deployments).
	WorkerBuildID    string `env:"WORKER_BUILD_ID"`
	WorkerVersioning bool   `env:"WORKER_VERSIONING" envDefault:"true"`
	// WorkerStopTimeout is how long a stopping worker (SIGTERM, a deploy)
	// lets its in-flight activities finish before it cancels them: past the
	// longest StartToCloseTimeout it runs (2 min, the notices), so an
	// activity that started just before the stop still ends on its own.
	// The orchestrator's grace period must be longer (compose: 2m30s).
	WorkerStopTimeout time.Duration `env:"WORKER_STOP_TIMEOUT" envDefault:"2m10s"`

	// The limits of SPEC §8 (docs/security.md); 0 turns the start limit off
	// (load tests and benchmarks of many removals by one user).
	MaxLockedRemovals           int `env:"MAX_LOCKED_REMOVALS" envDefault:"3"`
	MaxLockedRemovalsPerAccount int `env:"MAX_LOCKED_REMOVALS_PER_ACCOUNT" envDefault:"10"`
	MaxCodeEmails               int `env:"MAX_CODE_EMAILS" envDefault:"5"`
	MaxRemovalStartsPerUser     int `env:"MAX_REMOVAL_STARTS_PER_USER" envDefault:"30"`

	// MetricsAddr is where `worker`, `api` and `dev` serve /metrics ("off"
	// disables): never on HTTP_ADDR, the public listener.
	MetricsAddr string `env:"METRICS_ADDR" envDefault:"127.0.0.1:9090"`

	// Payload encryption (SPEC §9, docs/security.md): TemporalCodecKey is
	// "id:base64(32 bytes)[,…]", the first encrypts, all decrypt. The API
	// serves the codec server on CodecAddr ("off": not at all), reached at
	// CodecURL ("": http://CodecAddr), for requests with CodecAuthToken, from
	// browsers at CodecOrigins (Temporal Web's).
	TemporalCodecKey Secret   `env:"TEMPORAL_CODEC_KEY"`
	CodecAddr        string   `env:"CODEC_ADDR" envDefault:"127.0.0.1:8234"`
	CodecURL         string   `env:"CODEC_URL"`
	CodecAuthToken   Secret   `env:"CODEC_AUTH_TOKEN"`
	CodecOrigins     []string `env:"CODEC_CORS_ORIGINS" envSeparator:"," envDefault:"http://127.0.0.1:8233,http://localhost:8233"`
	// OTLPEndpoint receives the traces ("": none exported).
	OTLPEndpoint string `env:"OTEL_EXPORTER_OTLP_ENDPOINT"`
	// Webhooks: the integrations' events (webhooks.go).
	Webhooks Webhooks
}

// Secret is a string that never prints itself.
type Secret string

func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "[redacted]"
}

// LogValue keeps secrets out of slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Dev values: fixed so tokens printed by one `dev` start work after a restart.
const (
	DevJWTSecret  = "dev-only-jwt-secret-do-not-use-in-production"
	DevCodeSecret = "dev-only-code-secret-do-not-use-in-production"
	// DevMetaAppSecret and DevWebhookVerifyToken let a developer sign and
	// verify webhook deliveries against `dev` (docs/operations.md).
	DevMetaAppSecret      = "dev-only-meta-app-secret"
	DevWebhookVerifyToken = "dev-only-webhook-verify-token"
	// DevCodecAuthToken is printed by `dev` with the codec server's URL.
	DevCodecAuthToken = "dev-only-codec-auth-token"
)

// Load reads the environment.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	for i, p := range c.TrustedProxies {
		c.TrustedProxies[i] = strings.TrimSpace(p)
	}
	return c, c.validate()
}

// validate refuses settings that would quietly weaken a control.
func (c Config) validate() error {
	// Behind a balancer, a TRUSTED_PROXIES that is ignored puts every client
	// in one sign-in bucket and records the balancer as every actor's IP.
	for _, p := range c.TrustedProxies {
		if net.ParseIP(p) == nil {
			if _, _, err := net.ParseCIDR(p); err != nil {
				return fmt.Errorf("config: TRUSTED_PROXIES: %q is neither an IP nor a CIDR", p)
			}
		}
	}
	for name, v := range map[string]int{"MAX_LOCKED_REMOVALS": c.MaxLockedRemovals, "MAX_LOCKED_REMOVALS_PER_ACCOUNT": c.MaxLockedRemovalsPerAccount,
		"MAX_CODE_EMAILS": c.MaxCodeEmails, "MAX_REMOVAL_STARTS_PER_USER": c.MaxRemovalStartsPerUser} {
		if v < 0 {
			return fmt.Errorf("config: %s must not be negative", name)
		}
	}
	if c.MaxLockedRemovals == 0 || c.MaxCodeEmails == 0 {
		return errors.New("config: MAX_LOCKED_REMOVALS and MAX_CODE_EMAILS guard the verification code and cannot be 0")
	}
	return nil
}

// CodeLimits are the code's limits across runs (SPEC §8) as configured. A
// Config built in code (tests) that leaves them at 0 gets their defaults:
// they guard the code and cannot be off.
func (c Config) CodeLimits() domain.CodeLimits {
	or := func(v int, l domain.Limit) domain.Limit {
		if v > 0 {
			l.Max = v
		}
		return l
	}
	return domain.CodeLimits{
		CodeEmails:       or(c.MaxCodeEmails, domain.CodeEmailsPerChannel),
		LockedPerChannel: or(c.MaxLockedRemovals, domain.LockedRemovalsPerChannel),
		LockedPerAccount: or(c.MaxLockedRemovalsPerAccount, domain.LockedRemovalsPerAccount),
	}
}

// StartLimit bounds removal starts per user (Max 0: off).
func (c Config) StartLimit() domain.Limit {
	return domain.Limit{Max: c.MaxRemovalStartsPerUser, Window: domain.RemovalStartsPerUser.Window}
}

// ApplyDevDefaults fills what `dev` may default, and says which it filled.
func (c *Config) ApplyDevDefaults() (filled []string) {
	if c.AuthJWTSecret == "" {
		c.AuthJWTSecret, filled = DevJWTSecret, append(filled, "AUTH_JWT_SECRET")
	}
	if c.CodeSecret == "" {
		c.CodeSecret, filled = DevCodeSecret, append(filled, "CODE_SECRET")
	}
	if c.CredentialsKey == "" {
		c.CredentialsKey, filled = credentials.DevKey, append(filled, "CREDENTIALS_KEY")
	}
	if c.MetaAppSecret == "" {
		c.MetaAppSecret, filled = DevMetaAppSecret, append(filled, "META_APP_SECRET")
	}
	if c.MetaWebhookVerifyToken == "" {
		c.MetaWebhookVerifyToken, filled = DevWebhookVerifyToken, append(filled, "META_WEBHOOK_VERIFY_TOKEN")
	}
	filled = c.MetaPartner.applyDev(filled)
	if c.TemporalCodecKey == "" {
		c.TemporalCodecKey, filled = temporalcodec.DevKey, append(filled, "TEMPORAL_CODEC_KEY")
	}
	if c.CodecAuthToken == "" {
		c.CodecAuthToken, filled = DevCodecAuthToken, append(filled, "CODEC_AUTH_TOKEN")
	}
	if !c.Webhooks.AllowPrivate { // dev's receivers run on this machine
		c.Webhooks.AllowPrivate, filled = true, append(filled, "WEBHOOK_ALLOW_PRIVATE")
	}
	return filled
}

// Require checks the variables a production process cannot run without,
// and that none of its keys is a dev value or short (refuseDevSecrets).
func (c Config) Require(names ...string) error {
	values := map[string]string{
		"AUTH_JWT_SECRET": string(c.AuthJWTSecret), "CODE_SECRET": string(c.CodeSecret), "CREDENTIALS_KEY": string(c.CredentialsKey),
		"SENDGRID_API_KEY": string(c.SendGridAPIKey), "TEMPORAL_ADDRESS": c.TemporalAddress,
		"META_GRAPH_BASE_URL": c.MetaGraphURL(), "DATABASE_URL": c.DatabaseURL, "META_APP_SECRET": string(c.MetaAppSecret),
		"TEMPORAL_CODEC_KEY": string(c.TemporalCodecKey), "CODEC_AUTH_TOKEN": string(c.CodecAuthToken),
	}
	var missing []string
	for _, n := range names {
		if values[n] == "" {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return errors.New("missing required environment variable(s): " + strings.Join(missing, ", "))
	}
	if err := c.refuseDevSecrets(names); err != nil {
		return err
	}
	for _, n := range names {
		if n == "CREDENTIALS_KEY" {
			if _, err := c.Keyring(); err != nil {
				return err
			}
		}
		if n == "TEMPORAL_CODEC_KEY" {
			if _, err := c.Codec(); err != nil {
				return err
			}
		}
	}
	return nil
}

// WebAppURL is the web app's address for links in e-mails: APP_URL, or
// the API's own address.
func (c Config) WebAppURL() string {
	if c.AppURL != "" {
		return strings.TrimSuffix(c.AppURL, "/")
	}
	return "http://" + c.HTTPAddr
}

// MetaGraphURL is the Graph API base outside dev.
func (c Config) MetaGraphURL() string {
	if c.MetaGraphBaseURL == "" {
		return "https://graph.facebook.com"
	}
	return c.MetaGraphBaseURL
}

// Level is the slog level of LOG_LEVEL.
func (c Config) Level() slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return slog.LevelInfo
	}
	return l
}

// Keyring parses CREDENTIALS_KEY.
func (c Config) Keyring() (*credentials.Keyring, error) {
	return credentials.Parse(string(c.CredentialsKey))
}
