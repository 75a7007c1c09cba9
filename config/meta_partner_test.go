package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestMetaPartnerToken: META_PARTNER_TOKEN is read from the environment,
// never printed or logged, filled by `dev` only, and a production process
// refuses dev's value (it would be sent to Meta as our business's token).
func TestMetaPartnerToken(t *testing.T) {
	const own = "EAAB-own-system-user-token"
	t.Setenv("META_PARTNER_TOKEN", own)
	c, err := Load()
	if err != nil || c.MetaPartnerToken != own {
		t.Fatalf("%q %v", c.MetaPartnerToken, err)
	}
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("config", "token", c.MetaPartnerToken)
	if printed := fmt.Sprintf("%v %+v", c.MetaPartnerToken, c) + logged.String(); strings.Contains(printed, own) {
		t.Fatalf("the token shows: %s", printed)
	}
	var d Config
	if filled := d.ApplyDevDefaults(); !strings.Contains(strings.Join(filled, ","), "META_PARTNER_TOKEN") || d.MetaPartnerToken != DevPartnerToken {
		t.Fatalf("dev: %v %q", filled, d.MetaPartnerToken)
	}
	c.MetaPartnerToken = DevPartnerToken
	c.CodeSecret = "0123456789abcdef0123456789abcdef"
	if err := c.Require("CODE_SECRET"); err == nil || !strings.Contains(err.Error(), "META_PARTNER_TOKEN") {
		t.Fatalf("production took dev's partner token: %v", err)
	}
}
