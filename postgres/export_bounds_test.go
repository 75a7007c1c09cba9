package postgres_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
)

// heldWriter holds its export at its first write until released.
type heldWriter struct {
	reached chan<- struct{}
	release <-chan struct{}
}

func (h heldWriter) Counted(domain.ExportCounts) error {
	h.reached <- struct{}{}
	<-h.release
	return nil
}
func (heldWriter) Conversation(domain.ExportConversation) error { return nil }
func (heldWriter) Messages() error                              { return nil }
func (heldWriter) Message(domain.ExportMessage) error           { return nil }

func wantRefused(t *testing.T, err error) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeTooManyRequests || de.Fields["retry_after"] == nil {
		t.Fatalf("an export over its account's places: %v, want too_many_requests with retry_after", err)
	}
}

// TestAnAccountsExportsAreBoundedAcrossConnections: 6 exports of one account
// at once, each on its own connection as each API process's would be, with
// 2 places: exactly 2 stream, 4 are refused before reading anything; another
// account streams meanwhile; once they end, the places are free again. In a
// loop, so that a place is seen freed however its transaction ended.
func TestAnAccountsExportsAreBoundedAcrossConnections(t *testing.T) {
	f := newFixture(t)
	other, err := f.store.Channel(f.ctx, f.otherAcctCh)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 3 {
		reached, release := make(chan struct{}, 8), make(chan struct{})
		const n = 6
		errs := make(chan error, n)
		var wg sync.WaitGroup
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- f.store.ExportChannel(f.ctx, domain.Export{AccountID: f.account, ChannelID: f.channel, PerAccount: 2},
					heldWriter{reached: reached, release: release})
			}()
		}
		for range n - 2 {
			select {
			case err := <-errs:
				wantRefused(t, err)
			case <-time.After(30 * time.Second):
				close(release)
				t.Fatalf("round %d: %d exports of one account stream at once", round, len(reached))
			}
		}
		<-reached
		<-reached
		// Another account is not held back by this one's exports.
		otherReached := make(chan struct{}, 1)
		free := make(chan struct{})
		close(free)
		if err := f.store.ExportChannel(f.ctx, domain.Export{AccountID: other.AccountID, ChannelID: other.ID, PerAccount: 2},
			heldWriter{reached: otherReached, release: free}); err != nil {
			t.Fatalf("round %d: another account's export: %v", round, err)
		}
		if len(reached) != 0 {
			t.Fatalf("round %d: more than 2 exports of one account stream", round)
		}
		close(release)
		wg.Wait()
		for range 2 {
			if err := <-errs; err != nil {
				t.Fatalf("round %d: a held export: %v", round, err)
			}
		}
	}
}

// stalledWriter stalls on its first conversation, as a write to a client that
// stopped reading does, until Postgres has ended the export's session (or
// the test gives up).
type stalledWriter struct {
	f       fixture
	t       *testing.T
	stalled *bool
}

func (stalledWriter) Counted(domain.ExportCounts) error { return nil }
func (w stalledWriter) Conversation(domain.ExportConversation) error {
	if *w.stalled {
		return nil
	}
	*w.stalled = true
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if count(w.t, w.f, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`) == 0 {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}
func (stalledWriter) Messages() error                    { return nil }
func (stalledWriter) Message(domain.ExportMessage) error { return nil }

// TestAnExportIdleOnItsClientEndsItsTransaction: an export whose client
// stalls holds a snapshot that keeps vacuum back; Postgres ends its
// transaction after its idle timeout, and the export fails instead of
// holding it for as long as the client likes.
func TestAnExportIdleOnItsClientEndsItsTransaction(t *testing.T) {
	f := newFixture(t)
	contact := mustID(t)(f.b.Contact("", f.account, "Maria", "+55"))
	if err := f.b.Conversations(f.account, f.channel, contact, "closed", 3); err != nil {
		t.Fatal(err)
	}
	err := f.store.ExportChannel(f.ctx, domain.Export{AccountID: f.account, ChannelID: f.channel, PerAccount: 2, IdleTimeout: 500 * time.Millisecond},
		stalledWriter{f: f, t: t, stalled: new(bool)})
	if err == nil {
		t.Fatal("an export idle on its client for longer than its timeout went on")
	}
}
