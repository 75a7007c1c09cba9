package api

import (
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// An announcement told late, of a state older than the one the read saw, is
// not the change a waiting read waits for: the screen must never step back.
func TestOnlyALaterStateEndsAWait(t *testing.T) {
	t0 := time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)
	read := domain.RemovalRecord{RunID: "run-2", Status: "unlinking", CreatedAt: t0, UpdatedAt: t0.Add(3 * time.Second)}
	for _, c := range []struct {
		name string
		a    domain.RemovalRecord
		want bool
	}{
		{"the same run, written later", domain.RemovalRecord{RunID: "run-2", Status: "completed", CreatedAt: t0, UpdatedAt: t0.Add(4 * time.Second)}, true},
		{"the same run, the state read", domain.RemovalRecord{RunID: "run-2", Status: "unlinking", CreatedAt: t0, UpdatedAt: t0.Add(3 * time.Second)}, true},
		{"the same run, told late", domain.RemovalRecord{RunID: "run-2", Status: "removing", CreatedAt: t0, UpdatedAt: t0.Add(2 * time.Second)}, false},
		{"a newer run", domain.RemovalRecord{RunID: "run-3", Status: "awaiting_acknowledgement", CreatedAt: t0.Add(time.Minute), UpdatedAt: t0.Add(time.Minute)}, true},
		{"an older run", domain.RemovalRecord{RunID: "run-1", Status: "cancelled", CreatedAt: t0.Add(-time.Hour), UpdatedAt: t0.Add(time.Hour)}, false},
	} {
		if got := newer(c.a, read); got != c.want {
			t.Errorf("%s: newer = %v, want %v", c.name, got, c.want)
		}
	}
}
