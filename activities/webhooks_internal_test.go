package activities

import (
	"testing"
	"time"
)

// The default schedule (config.DefaultWebhooks): 30 s doubling to 4 h, for
// 3 days: 26 attempts, the last about 72 h after the first.
func TestTheDefaultWebhookScheduleSpansThreeDays(t *testing.T) {
	in := WebhookDeliveryInput{First: 30 * time.Second, Max: 4 * time.Hour, For: 72 * time.Hour}
	if n := in.Attempts(); n != 26 {
		t.Fatalf("attempts %d", n)
	}
	if b := backoff(in, 1); b != 30*time.Second {
		t.Fatalf("first wait %v", b)
	}
	if b := backoff(in, 12); b != 4*time.Hour {
		t.Fatalf("capped wait %v", b)
	}
}
