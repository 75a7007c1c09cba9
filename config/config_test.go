package config

import (
	"strings"
	"testing"
)

// An invalid TRUSTED_PROXIES stops the process at start: ignored, it would
// put every client behind the balancer in one sign-in bucket.
func TestInvalidTrustedProxiesStopTheProcess(t *testing.T) {
	t.Setenv("TRUSTED_PROXIES", "10.0.0.1,not-an-ip")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "TRUSTED_PROXIES") {
		t.Fatalf("Load: %v", err)
	}
	t.Setenv("TRUSTED_PROXIES", "10.0.0.1, 172.28.0.0/16")
	if c, err := Load(); err != nil || c.TrustedProxies[1] != "172.28.0.0/16" {
		t.Fatalf("valid proxies: %v %v", c.TrustedProxies, err)
	}
}

func TestLimitsFromTheEnvironment(t *testing.T) {
	t.Setenv("MAX_REMOVAL_STARTS_PER_USER", "0")
	t.Setenv("MAX_CODE_EMAILS", "7")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	l := c.CodeLimits()
	if c.StartLimit().Max != 0 || l.CodeEmails.Max != 7 || l.LockedPerChannel.Max != 3 || l.LockedPerAccount.Max != 10 {
		t.Fatalf("%+v %+v", l, c.StartLimit())
	}
	t.Setenv("MAX_LOCKED_REMOVALS", "0")
	if _, err := Load(); err == nil {
		t.Fatal("the code's guard turned off")
	}
}

// Outside dev, every documented dev secret and every key under 32 bytes is
// refused at start, each by name; a key of its own passes.
func TestProductionRefusesDevSecretsAndShortKeys(t *testing.T) {
	own := "0123456789abcdef0123456789abcdef" // 32 bytes
	ownKey := "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
	good := Config{AuthJWTSecret: Secret(own), CodeSecret: Secret(own + "-code"), MetaAppSecret: Secret(own),
		CredentialsKey: Secret(ownKey), TemporalAddress: "t:7233", SendGridAPIKey: "SG.x", DatabaseURL: "postgres://"}
	api := []string{"AUTH_JWT_SECRET", "CODE_SECRET", "TEMPORAL_ADDRESS", "META_APP_SECRET"}
	worker := []string{"CODE_SECRET", "SENDGRID_API_KEY", "TEMPORAL_ADDRESS", "CREDENTIALS_KEY"}
	if err := good.Require(append(api, worker...)...); err != nil {
		t.Fatalf("own secrets: %v", err)
	}
	for _, c := range []struct {
		name, want string
		set        func(*Config)
	}{
		{"dev jwt", "AUTH_JWT_SECRET is a documented dev value", func(c *Config) { c.AuthJWTSecret = DevJWTSecret }},
		{"dev code", "CODE_SECRET is a documented dev value", func(c *Config) { c.CodeSecret = DevCodeSecret }},
		{"dev meta", "META_APP_SECRET is a documented dev value", func(c *Config) { c.MetaAppSecret = DevMetaAppSecret }},
		{"dev verify token", "META_WEBHOOK_VERIFY_TOKEN", func(c *Config) { c.MetaWebhookVerifyToken = DevWebhookVerifyToken }},
		{"dev credentials key", "CREDENTIALS_KEY is the documented dev key", func(c *Config) { c.CredentialsKey = "dev:ZGV2LW9ubHktY3JlZGVudGlhbHMta2V5LTMyLWJ5dGU=" }},
		{"dev key under another id", "CREDENTIALS_KEY is the documented dev key", func(c *Config) {
			c.CredentialsKey = Secret(ownKey + ",old:ZGV2LW9ubHktY3JlZGVudGlhbHMta2V5LTMyLWJ5dGU=")
		}},
		{".env.example's placeholder", "AUTH_JWT_SECRET is a documented dev value", func(c *Config) {
			c.AuthJWTSecret = "change-me-to-32-random-bytes-change-me"
		}},
		{"short jwt", "AUTH_JWT_SECRET is 31 bytes", func(c *Config) { c.AuthJWTSecret = Secret(own[:31]) }},
		{"short code", "CODE_SECRET is 1 bytes", func(c *Config) { c.CodeSecret = "Z" }},
		{"short meta", "META_APP_SECRET is 16 bytes", func(c *Config) { c.MetaAppSecret = Secret(own[:16]) }},
	} {
		cfg := good
		c.set(&cfg)
		err := cfg.Require(append(api, worker...)...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want %q, got %v", c.name, c.want, err)
		}
		if err != nil && (strings.Contains(err.Error(), string(cfg.AuthJWTSecret)) || strings.Contains(err.Error(), string(cfg.CodeSecret))) {
			t.Errorf("%s: the error shows the secret: %v", c.name, err)
		}
	}
}
