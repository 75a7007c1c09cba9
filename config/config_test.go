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
