package rehearsal

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lib/pq"
)

// row checks the phase's effects and adds its line.
func (r *rig) row(ctx context.Context, row Row, chs []channel) error {
	dups, missing, err := r.effects(ctx, chs)
	if err != nil {
		return err
	}
	row.Duplicates, row.Missing = dups, missing
	r.res.Rows = append(r.res.Rows, row)
	r.logf("  %s: %v, duplicate effects %d, missing effects %d, %s", row.Phase, row.Outcomes, dups, missing, row.Took.Round(time.Millisecond))
	return nil
}

// effects counts, over chs' removals, what happened more than once and what
// did not happen at all of what each completed removal owes exactly once: a
// code e-mail, a successful Meta unsubscribe, a tombstone (the channel
// removed, its channel_removed record) and each audit record of one action.
func (r *rig) effects(ctx context.Context, chs []channel) (dups, missing int, err error) {
	mails, metaOK := map[string]int{}, map[string]int{}
	for _, m := range r.admin.mail.Sent() {
		mails[m.Subject]++
	}
	for _, c := range r.graph.Calls() {
		if c.OK {
			metaOK[c.ObjectID]++
		}
	}
	var ids, channelIDs []string
	for _, ch := range chs {
		n := 0
		for subject, k := range mails {
			if strings.HasSuffix(subject, " "+ch.name) {
				n += k
			}
		}
		for _, k := range []int{n, metaOK[ch.waba]} {
			switch {
			case k > 1:
				dups += k - 1
			case k == 0:
				missing++
			}
		}
		ids, channelIDs = append(ids, removalID(ch)), append(channelIDs, ch.id)
	}
	var audit struct {
		Dups       int `db:"dups"`
		Tombstones int `db:"tombstones"`
		Removed    int `db:"removed"`
	}
	err = r.db.GetContext(ctx, &audit, `SELECT
		(SELECT COALESCE(sum(n - 1), 0) FROM (
			SELECT count(*) AS n FROM removal_audit_log WHERE removal_id = ANY($1)
			 AND action NOT IN ('meta_unlink_failed', 'retry_unlink_requested')
			GROUP BY removal_id, action) a) AS dups,
		(SELECT count(*) FROM removal_audit_log WHERE removal_id = ANY($1) AND action = 'channel_removed') AS tombstones,
		(SELECT count(*) FROM channels WHERE id::text = ANY($2) AND status = 'removed') AS removed`, pq.Array(ids), pq.Array(channelIDs))
	missing += 2*len(chs) - audit.Tombstones - audit.Removed
	return dups + audit.Dups, missing, err
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func outcomesText(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
