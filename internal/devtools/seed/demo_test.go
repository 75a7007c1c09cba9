package seed_test

import (
	"context"
	"testing"

	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
)

func plain(_, token string) (string, error) { return token, nil }

// Seeding is idempotent, also once the demo's channels moved on: `dev`
// restarts after Meta disconnected "WhatsApp Vendas" (the webhook example of
// docs/operations.md) or after a removal, and changes none of it back.
func TestDemoSeedsAgainAfterTheChannelsMovedOn(t *testing.T) {
	_, db := testdb.New(t)
	ctx := context.Background()
	if err := seed.Demo(ctx, db, plain); err != nil {
		t.Fatal(err)
	}
	db.MustExec(`UPDATE channels SET status = 'disconnected' WHERE id = $1`, seed.DemoWhatsAppVendasID)
	db.MustExec(`UPDATE channels SET status = 'removed', removed_at = now(), removed_by = 'remove-channel:' || id WHERE id = $1`, seed.DemoEmailID)
	if err := seed.Demo(ctx, db, plain); err != nil {
		t.Fatalf("seeding again: %v", err)
	}
	var statuses []string
	db.Select(&statuses, `SELECT status FROM channels WHERE id IN ($1, $2) ORDER BY name`, seed.DemoEmailID, seed.DemoWhatsAppVendasID)
	if len(statuses) != 2 || statuses[0] != "removed" || statuses[1] != "disconnected" {
		t.Fatalf("statuses %v", statuses)
	}
}
