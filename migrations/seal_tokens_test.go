package migrations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/pressly/goose/v3"

	"github.com/crm/channel-removal/credentials"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/migrations"
	"github.com/crm/channel-removal/postgres"
)

// TestMigrationSealsExistingPlaintextTokens: tokens stored in plaintext before
// migration 4 are sealed by it, in both tables, and open to what they were;
// without CREDENTIALS_KEY it refuses to leave them as they are.
func TestMigrationSealsExistingPlaintextTokens(t *testing.T) {
	ctx := context.Background()
	dsn := testdb.Empty(t)
	if err := postgres.EnsureDatabase(ctx, dsn); err != nil {
		t.Fatal(err)
	}
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB, migrations.Files())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 3); err != nil {
		t.Fatal(err)
	}
	const ch = "30000000-0000-4000-8000-0000000000aa"
	for _, q := range []string{
		`INSERT INTO accounts (id, name, admin_email) VALUES ('10000000-0000-4000-8000-0000000000aa', 'Loja', 'a@b.c')`,
		`INSERT INTO channels (id, account_id, name, kind, official, waba_id) VALUES ('` + ch + `', '10000000-0000-4000-8000-0000000000aa', 'WA', 'whatsapp_cloud', true, 'W1')`,
		`INSERT INTO channel_credentials (channel_id, access_token) VALUES ('` + ch + `', 'EAAplaintext-credential')`,
		`INSERT INTO meta_unlinks (removal_id, run_id, channel_id, object_kind, object_id, access_token) VALUES ('remove-channel:` + ch + `', 'r1', '` + ch + `', 'waba', 'W1', 'EAAplaintext-unlink')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if err := migrations.Up(ctx, db.DB, nil, nil); err == nil || !strings.Contains(err.Error(), "CREDENTIALS_KEY") {
		t.Fatalf("without a key: %v", err)
	}
	keys, _ := credentials.Parse("k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err := migrations.Up(ctx, db.DB, nil, keys); err != nil {
		t.Fatal(err)
	}
	for table, want := range map[string]string{"channel_credentials": "EAAplaintext-credential", "meta_unlinks": "EAAplaintext-unlink"} {
		var stored string
		if err := db.GetContext(ctx, &stored, `SELECT access_token FROM `+table); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stored, "EAA") || !credentials.Sealed(stored) {
			t.Fatalf("%s still holds %q", table, stored)
		}
		if got, err := keys.Open(ch, stored); err != nil || got != want {
			t.Fatalf("%s opens to %q %v", table, got, err)
		}
	}
	var plain int
	db.GetContext(ctx, &plain, `SELECT count(*) FROM (SELECT access_token FROM channel_credentials UNION ALL SELECT access_token FROM meta_unlinks) t
		WHERE access_token NOT LIKE 'enc:v1:%'`)
	if plain != 0 {
		t.Fatalf("%d plaintext tokens left", plain)
	}
}
