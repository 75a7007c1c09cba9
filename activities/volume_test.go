package activities_test

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/domain"
)

// TestDeleteChannelWritesNoConversationAt200k removes a channel with 200,000
// conversations and checks, through the table's write counters, that the
// removal wrote none of them.
func TestDeleteChannelWritesNoConversationAt200k(t *testing.T) {
	if testing.Short() {
		t.Skip("volume test")
	}
	e := newEnv(t)
	ch := e.channel("whatsapp_cloud", "W1", "")
	if err := e.b.Conversations(e.account, ch, e.contact, "closed", 200_000); err != nil {
		t.Fatal(err)
	}
	// The preview's count stops at the cap and says so.
	pre, err := e.acts.Preflight(e.ctx, activities.PreflightInput{Step: e.step(ch), RequestedBy: e.admin, Decided: preflightDocs()})
	if err != nil || pre.Impact.Conversations != domain.ConversationCountCap || !pre.Impact.ConversationsCapped {
		t.Fatalf("capped count: %d capped=%v %v", pre.Impact.Conversations, pre.Impact.ConversationsCapped, err)
	}
	db := e.store.DB()
	writes := func() (n int64) {
		db.Exec(`SELECT pg_stat_force_next_flush()`)
		db.Get(&n, `SELECT n_tup_ins + n_tup_upd + n_tup_del + n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'conversations'`)
		return n
	}
	time.Sleep(50 * time.Millisecond)
	before := writes()
	if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch)}); err != nil {
		t.Fatal(err)
	}
	if after := writes(); after != before {
		t.Fatalf("removal wrote %d conversation rows", after-before)
	}
	var removed int
	db.Get(&removed, `SELECT count(*) FROM conversations v JOIN channels c ON c.id = v.channel_id WHERE c.id = $1 AND c.status = 'removed'`, ch)
	if removed != 200_000 {
		t.Fatalf("conversations visible as removed: %d", removed)
	}
}

// BenchmarkDeleteChannel removes channels holding 10 and 200,000 conversations
// each (same table, same indexes) and reports p50 and max per size and the ratio
// of the p50s: a ratio near 1 shows the removal does not grow with the count.
// Run once: go test ./activities -run XXX -bench DeleteChannel -benchtime 1x
// (DELETE_BENCH_LARGE=1000000 for a million conversations per channel).
func BenchmarkDeleteChannel(b *testing.B) {
	const samples = 5
	large := 200_000
	if v := os.Getenv("DELETE_BENCH_LARGE"); v != "" { // e.g. 1000000
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		large = n
	}
	e := newEnv(b)
	p50 := map[int]time.Duration{}
	for i := 0; i < b.N; i++ {
		for _, size := range []int{10, large} {
			chs := make([]string, samples)
			for j := range chs {
				chs[j] = e.channel("messenger", "", fmt.Sprintf("P%d-%d-%d", i, size, j))
				if err := e.b.Conversations(e.account, chs[j], e.contact, "closed", size); err != nil {
					b.Fatal(err)
				}
			}
			e.store.DB().Exec(`ANALYZE conversations`)
			durs := make([]time.Duration, 0, samples)
			for _, ch := range chs {
				start := time.Now()
				if _, err := e.acts.DeleteChannel(e.ctx, activities.DeleteInput{Step: e.step(ch)}); err != nil {
					b.Fatal(err)
				}
				durs = append(durs, time.Since(start))
			}
			sort.Slice(durs, func(i, j int) bool { return durs[i] < durs[j] })
			p50[size] = durs[samples/2]
			b.ReportMetric(float64(durs[samples/2].Microseconds()), fmt.Sprintf("p50-µs/%d-convs", size))
			b.ReportMetric(float64(durs[samples-1].Microseconds()), fmt.Sprintf("max-µs/%d-convs", size))
		}
	}
	b.ReportMetric(float64(p50[large])/float64(p50[10]), fmt.Sprintf("p50-ratio-%d/10", large))
}
