package workflows

import (
	"path/filepath"
	"testing"
)

// A run ops cancelled from Temporal closes Canceled, with no result: it is
// not the status "cancelled" (an admin's cancel, a purge cancelled by an
// admin), so it must not stand for that end, nor the reverse.
func TestHowItEndedTellsATemporalCancelFromACancelledStatus(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"cancelled_from_temporal.json", endCancelledFromTemporal},
		{"retry_unlink_wait_cancelled.json", endCancelledFromTemporal}, // a completed_with_warnings removal
		{"purge_cancelled_from_temporal.json", endCancelledFromTemporal},
		{"purge_moved_then_cancelled.json", "cancelled"},
	} {
		if _, end := howItEnded(t, filepath.Join("testdata", "r6", c.file)); end != c.want {
			t.Errorf("%s ends %q, want %q", c.file, end, c.want)
		}
	}
}

// A result that does not decode (a payload still encrypted) is no end at
// all: it must not read as "completed".
func TestHowItEndedRefusesAResultItCannotRead(t *testing.T) {
	if _, err := resultStatus([]byte("\x8f\x01nonce+ciphertext")); err == nil {
		t.Fatal("an unreadable result read as an end")
	}
}
