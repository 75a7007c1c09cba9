package activities

import (
	"context"
	"time"
)

// recordMetaAnswer writes what Meta answered, trying the write again in this
// attempt when only the write failed (a database blip): a retry of the
// activity would call Meta a second time, and a second deregister spends
// Meta's registration quota (10 per 72 h, error 133016). Bounded by the
// attempt's own deadline and a few tries; past them the activity fails and
// Temporal retries it as before.
func recordMetaAnswer(ctx context.Context, write func() error) error {
	wait := 100 * time.Millisecond
	for try := 1; ; try++ {
		err := write()
		if err == nil || try == 5 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
}
