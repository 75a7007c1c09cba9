package postgres

import (
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/crm/channel-removal/domain"
)

// ChangesChannel is the NOTIFY channel of the removals read model (migration 5).
const ChangesChannel = "removal_changed"

// Changes listens for new removal runs and their status changes in the read
// model (migrations 7–9), on one connection of its own, and tells whoever
// waits for that removal.
type Changes struct {
	l   *pq.Listener
	log *slog.Logger

	mu      sync.Mutex
	waiters map[string]map[chan domain.RunAnnouncement]struct{} // by removal id
}

// Listen opens the listening connection; it reconnects by itself, and wakes
// every waiter when it does, since notifications may have been missed.
func Listen(dsn string, log *slog.Logger) (*Changes, error) {
	c := &Changes{log: log, waiters: map[string]map[chan domain.RunAnnouncement]struct{}{}}
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
		if n == nil { // reconnected: anything may have changed
			c.mu.Lock()
			for _, ws := range c.waiters {
				tell(ws, domain.RunAnnouncement{})
			}
			c.mu.Unlock()
			continue
		}
		removalID, _, _ := strings.Cut(n.Extra, " ")
		c.mu.Lock()
		waited := len(c.waiters[removalID]) > 0
		c.mu.Unlock()
		if !waited { // most changes: nobody waits, so the row is not decoded
			continue
		}
		_, a := parseAnnouncement(n.Extra, c.log)
		c.mu.Lock()
		tell(c.waiters[removalID], a)
		c.mu.Unlock()
	}
}

// parseAnnouncement reads "<removal id> <run id>[ <row as JSON>]".
func parseAnnouncement(payload string, log *slog.Logger) (string, domain.RunAnnouncement) {
	removalID, rest, _ := strings.Cut(payload, " ")
	runID, row, _ := strings.Cut(rest, " ")
	a := domain.RunAnnouncement{RunID: runID}
	if row != "" {
		var rec domain.RemovalRecord
		if err := json.Unmarshal([]byte(row), &rec); err == nil {
			a.Record = &rec
		} else if log != nil {
			log.Warn("removal changes: unreadable row", "removal_id", removalID, "err", err)
		}
	}
	return removalID, a
}

// tell gives each waiter the announcement, replacing one it has not taken
// yet. It never blocks: only tell sends, under c.mu, into a buffer of one
// that it has just emptied.
func tell(ws map[chan domain.RunAnnouncement]struct{}, a domain.RunAnnouncement) {
	for w := range ws {
		select {
		case <-w:
		default:
		}
		w <- a
	}
}

// Watch returns a channel that receives each announcement of a run of the
// removal (the latest, when the reader lags), and the function that stops
// watching. Watching by removal rather than by run lets a caller watch before
// it starts the run whose id it does not know yet, and so miss no change.
func (c *Changes) Watch(removalID string) (<-chan domain.RunAnnouncement, func()) {
	key := removalID
	w := make(chan domain.RunAnnouncement, 1)
	c.mu.Lock()
	if c.waiters[key] == nil {
		c.waiters[key] = map[chan domain.RunAnnouncement]struct{}{}
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
