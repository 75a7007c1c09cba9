package postgres

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"
)

// ChangesChannel is the NOTIFY channel of the removals read model (migration 5).
const ChangesChannel = "removal_changed"

// Changes listens for changes of removal runs in the read model, on one
// connection of its own, and wakes whoever waits for a run.
type Changes struct {
	l   *pq.Listener
	log *slog.Logger

	mu      sync.Mutex
	waiters map[string]map[chan struct{}]struct{} // by removal id
}

// Listen opens the listening connection; it reconnects by itself, and wakes
// every waiter when it does, since notifications may have been missed.
func Listen(dsn string, log *slog.Logger) (*Changes, error) {
	c := &Changes{log: log, waiters: map[string]map[chan struct{}]struct{}{}}
	c.l = pq.NewListener(dsn, 100*time.Millisecond, 10*time.Second, func(ev pq.ListenerEventType, err error) {
		if err != nil && log != nil {
			log.Warn("removal changes: listener", "event", ev, "err", err)
		}
	})
	if err := c.l.Listen(ChangesChannel); err != nil {
		c.l.Close()
		return nil, mapErr(err)
	}
	go c.dispatch()
	return c, nil
}

func (c *Changes) dispatch() {
	for n := range c.l.Notify {
		c.mu.Lock()
		if n == nil { // reconnected: anything may have changed
			for _, ws := range c.waiters {
				wake(ws)
			}
		} else {
			removalID, _, _ := strings.Cut(n.Extra, " ") // "<removal id> <run id>"
			wake(c.waiters[removalID])
		}
		c.mu.Unlock()
	}
}

func wake(ws map[chan struct{}]struct{}) {
	for w := range ws {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// Watch returns a channel that receives after each change of any run of the
// removal, and the function that stops watching. Watching by removal rather
// than by run lets a caller watch before it starts the run whose id it does
// not know yet, and so miss no change.
func (c *Changes) Watch(removalID string) (<-chan struct{}, func()) {
	key := removalID
	w := make(chan struct{}, 1)
	c.mu.Lock()
	if c.waiters[key] == nil {
		c.waiters[key] = map[chan struct{}]struct{}{}
	}
	c.waiters[key][w] = struct{}{}
	c.mu.Unlock()
	return w, func() {
		c.mu.Lock()
		delete(c.waiters[key], w)
		if len(c.waiters[key]) == 0 {
			delete(c.waiters, key)
		}
		c.mu.Unlock()
	}
}

// Close stops listening.
func (c *Changes) Close() error { return c.l.Close() }
