package e2e

import (
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/internal/devtools/seed"
)

// TestExportsAtOnceAreBounded: each export holds a pool connection for as
// long as it streams, so one API process streams at most 4 (2 per account,
// so two accounts fill it here); a fifth, while they run, is a 429 with
// Retry-After, nothing exported or recorded; once they end, exports go
// through again. A burst meanwhile is refused whole.
func TestExportsAtOnceAreBounded(t *testing.T) {
	s := newStack(t)
	s.start(true)
	ch := s.channel("messenger", "", "page-many-exports")
	s.conversationsWith(ch, 2)
	// A second account's admin and channel, for the other 2 places.
	acc2 := s.must(s.b.Account("", "Segunda", "dono@segunda.test"))
	token2 := s.token(s.must(s.b.User("", acc2, "admin@segunda.test", "Admin", "admin")), time.Hour)
	ch2 := s.must(s.b.Channel(seed.ChannelSpec{AccountID: acc2, Name: "Messenger", Kind: "messenger", Page: "page-many-2"}))
	s.must(s.b.Conversation("", acc2, ch2, s.must(s.b.Contact("", acc2, "Ana", "ana@x.test")), "closed"))
	db := s.store.DB()
	// The exports wait on this lock in their first read, holding their places.
	lock, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.Exec(`LOCK TABLE conversations IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	get := func(ch, token string) (int, http.Header) {
		req, _ := http.NewRequest("GET", s.http.URL+"/v1/channels/"+ch+"/export", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			return 0, nil
		}
		defer res.Body.Close()
		io.Copy(io.Discard, res.Body)
		return res.StatusCode, res.Header
	}
	const held = 4
	statuses := make(chan int, held)
	var wg sync.WaitGroup
	for i := range held {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, token := ch, s.adminToken
			if i%2 == 1 {
				c, token = ch2, token2
			}
			st, _ := get(c, token)
			statuses <- st
		}()
	}
	s.eventually(func() bool {
		var n int
		db.Get(&n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
			AND query LIKE '%FROM conversations WHERE channel_id%'`)
		return n == held
	})
	refused := s.want(s.do("GET", "/v1/channels/"+ch+"/export", s.adminToken, nil), http.StatusTooManyRequests, "too_many_requests")
	if refused.Header.Get("Retry-After") != "30" {
		t.Fatalf("Retry-After %q", refused.Header.Get("Retry-After"))
	}
	more := make(chan int, 2*held) // a burst at once gets no place either
	var burst sync.WaitGroup
	for range 2 * held {
		burst.Add(1)
		go func() { defer burst.Done(); st, _ := get(ch, s.adminToken); more <- st }()
	}
	burst.Wait()
	close(more)
	for st := range more {
		if st != http.StatusTooManyRequests {
			t.Fatalf("an export of the burst answered %d while %d streamed", st, held)
		}
	}
	lock.Rollback()
	wg.Wait()
	close(statuses)
	for st := range statuses {
		if st != http.StatusOK {
			t.Fatalf("a held export answered %d", st)
		}
	}
	s.export(ch, s.adminToken) // a place is free again
	var exports int
	if err := db.Get(&exports, `SELECT count(*) FROM removal_audit_log WHERE channel_id = $1 AND action = 'conversations_exported'`, ch); err != nil {
		t.Fatal(err)
	}
	if exports != held/2+1 {
		t.Fatalf("%d exports recorded, want %d (the refused one is not an export)", exports, held/2+1)
	}
}
