package postgres_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/crm/channel-removal/domain"
)

// TestARemovedChannelsRowNeverSaysNothingWasRemoved: a removal's row in
// completed_with_warnings or unlinking (its channel tombstoned) is never moved
// to a status that says nothing was removed, by a reset run's records
// written one after another or all at once; it still moves on to completed.
func TestARemovedChannelsRowNeverSaysNothingWasRemoved(t *testing.T) {
	for _, from := range []domain.Status{domain.StatusUnlinking, domain.StatusCompletedWithWarnings} {
		t.Run(string(from), func(t *testing.T) {
			f := newFixture(t)
			id := "remove-channel:" + f.channel
			write := func(status domain.Status, key string) error {
				doc := domain.Removal{ID: id, RunID: "run-1", ChannelID: f.channel, AccountID: f.account, Status: status, Notes: []string{}}
				return f.store.AppendAudit(f.ctx, domain.AuditEntry{RemovalID: id, RunID: "run-1", AccountID: f.account, ChannelID: f.channel,
					Actor: domain.Actor{UserID: f.admin}, Action: domain.EndAction(status), Key: key, Removal: &doc})
			}
			if err := write(from, "from"); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			back := []domain.Status{domain.StatusRejected, domain.StatusCancelled, domain.StatusExpired, domain.StatusLocked,
				domain.StatusFailed, domain.StatusAwaitingCode, domain.StatusPreflight}
			for round := 0; round < 5; round++ {
				for i, s := range back {
					wg.Add(1)
					go func() {
						defer wg.Done()
						if err := write(s, fmt.Sprintf("back-%d-%d", round, i)); err != nil {
							t.Error(err)
						}
					}()
				}
			}
			wg.Wait()
			if rec, err := f.store.LatestRemoval(f.ctx, id); err != nil || rec.Status != string(from) {
				t.Fatalf("the row moved to %s (%v)", rec.Status, err)
			}
			if err := write(domain.StatusCompleted, "on"); err != nil {
				t.Fatal(err)
			}
			if rec, _ := f.store.LatestRemoval(f.ctx, id); rec.Status != string(domain.StatusCompleted) {
				t.Fatalf("the row did not move on to completed: %s", rec.Status)
			}
		})
	}
}
