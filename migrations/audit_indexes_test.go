package migrations_test

import (
	"strings"
	"testing"

	"github.com/crm/channel-removal/internal/devtools/testdb"
)

// The audit log, appended to by every step and never pruned, carries only
// the indexes its reads and its idempotent inserts use (migration 10 drops
// the by-channel one no query read; migration 14 adds two partial ones, of
// the code steps only, that the code's limits across runs read).
func TestAuditLogKeepsOnlyTheIndexesItsReadsUse(t *testing.T) {
	_, db := testdb.New(t)
	var names []string
	if err := db.Select(&names, `SELECT indexname FROM pg_indexes WHERE tablename = 'removal_audit_log' ORDER BY indexname`); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(names, ","); got != "removal_audit_code_account_idx,removal_audit_code_channel_idx,"+
		"removal_audit_log_idempotency_key_key,removal_audit_log_pkey,removal_audit_removal_idx" {
		t.Fatalf("audit log indexes: %s", got)
	}
}
