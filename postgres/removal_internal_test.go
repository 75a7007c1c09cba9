package postgres

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/crm/channel-removal/domain"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
)

// The tombstone's record says how many references it detached. A reference
// removed by someone else between the lock and the writes makes the writes
// refuse the count read under the lock; the tombstone counts again and then
// records exactly what it detached.
func TestTombstoneRecordsTheReferencesItDetached(t *testing.T) {
	_, db := testdb.New(t)
	s, b, ctx := New(db), seed.Builder{DB: db}, context.Background()
	acc, _ := b.Account("", "Loja", "dono@loja.test")
	ch, err := b.Channel(seed.ChannelSpec{AccountID: acc, Name: "E-mail", Kind: "email"})
	if err != nil {
		t.Fatal(err)
	}
	gone, _ := b.Reference("", acc, "automation", "A", ch)
	if _, err := b.Reference("", acc, "webhook", "W", ch); err != nil {
		t.Fatal(err)
	}
	locks := 0
	afterTombstoneLock = func() {
		if locks++; locks == 1 { // an admin deletes an automation meanwhile
			if _, err := db.Exec(`DELETE FROM channel_references WHERE id = $1`, gone); err != nil {
				t.Error(err)
			}
		}
	}
	defer func() { afterTombstoneLock = func() {} }()
	id := "remove-channel:" + ch
	res, err := s.RemoveChannel(ctx, domain.Tombstone{ChannelID: ch, RemovalID: id, RunID: "run-1", Now: time.Now(), FinishIfNothingOwed: true})
	if err != nil || res.DetachedReferences != 1 || res.UnlinkPending || locks != 2 {
		t.Fatalf("%+v %v after %d locks", res, err, locks)
	}
	var detached int
	var detail json.RawMessage
	var actions []string
	db.Get(&detached, `SELECT count(*) FROM channel_references WHERE detached_channel_id = $1`, ch)
	db.Get(&detail, `SELECT detail FROM removal_audit_log WHERE removal_id = $1 AND action = 'channel_removed'`, id)
	db.Select(&actions, `SELECT action FROM removal_audit_log WHERE removal_id = $1 ORDER BY id`, id)
	var d struct {
		Detached int `json:"detached_references"`
	}
	json.Unmarshal(detail, &d)
	if detached != 1 || d.Detached != 1 || len(actions) != 2 || actions[0] != "channel_removed" || actions[1] != "removal_completed" {
		t.Fatalf("detached %d, recorded %s, trail %v", detached, detail, actions)
	}
	if rec, err := s.LatestRemoval(ctx, id); err != nil || rec.Status != string(domain.StatusCompleted) {
		t.Fatalf("read model: %+v", rec)
	}
}
