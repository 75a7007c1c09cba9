package config

import "time"

// Webhooks configures the integrations' events (SPEC §9).
type Webhooks struct {
	// AllowPrivate (WEBHOOK_ALLOW_PRIVATE, dev and tests only) accepts http
	// and loopback or private addresses; off, endpoints must be https to
	// public addresses, checked at registration and at every connection.
	AllowPrivate bool `env:"WEBHOOK_ALLOW_PRIVATE" envDefault:"false"`
	// A delivery is retried from RetryFirst after its first failure,
	// doubling up to RetryMax between attempts, for RetryFor in all: with the
	// defaults 30 s, 1 min, 2 min, … 4 h, then every 4 h: 26 attempts
	// over 3 days.
	RetryFirst time.Duration `env:"WEBHOOK_RETRY_FIRST" envDefault:"30s"`
	RetryMax   time.Duration `env:"WEBHOOK_RETRY_MAX" envDefault:"4h"`
	RetryFor   time.Duration `env:"WEBHOOK_RETRY_FOR" envDefault:"72h"`
	// DisableAfter: an endpoint with no success for this long, when a
	// delivery gives up, is disabled and the account's admins are told.
	DisableAfter time.Duration `env:"WEBHOOK_DISABLE_AFTER" envDefault:"72h"`
	// RotationGrace is how long the previous secret keeps signing beside
	// the new one after a rotation.
	RotationGrace time.Duration `env:"WEBHOOK_ROTATION_GRACE" envDefault:"24h"`
	// Timeout bounds one POST.
	Timeout time.Duration `env:"WEBHOOK_TIMEOUT" envDefault:"15s"`
}

// DefaultWebhooks are the defaults above, for a Config built in code.
var DefaultWebhooks = Webhooks{RetryFirst: 30 * time.Second, RetryMax: 4 * time.Hour, RetryFor: 72 * time.Hour,
	DisableAfter: 72 * time.Hour, RotationGrace: 24 * time.Hour, Timeout: 15 * time.Second}

// WithDefaults fills the durations left at zero (a Config built in code).
func (w Webhooks) WithDefaults() Webhooks {
	d := DefaultWebhooks
	for _, p := range []struct{ v, def *time.Duration }{{&w.RetryFirst, &d.RetryFirst}, {&w.RetryMax, &d.RetryMax},
		{&w.RetryFor, &d.RetryFor}, {&w.DisableAfter, &d.DisableAfter}, {&w.RotationGrace, &d.RotationGrace}, {&w.Timeout, &d.Timeout}} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	return w
}
