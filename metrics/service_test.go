package metrics

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
)

func scrape(t *testing.T, r *Registry) string {
	t.Helper()
	rec := httptest.NewRecorder()
	r.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	return string(body)
}

// TestGaugesReadTheRecordAndSayZeroRatherThanNothing: the alert rules
// (deploy/prometheus/alerts.yml) compare these gauges with a threshold; a
// state no row has is 0, not a missing series, and a removal whose record
// is final (its retry window closed in completed_with_warnings) does not age
// as if it still waited.
func TestGaugesReadTheRecordAndSayZeroRatherThanNothing(t *testing.T) {
	_, db := testdb.New(t)
	r := New()
	r.WatchService(Service{DB: db,
		Notices: func(context.Context) (int64, error) { return 2, nil },
		Builds:  func(context.Context) (map[string]float64, error) { return map[string]float64{"r4-old": 3600}, nil }})
	body := scrape(t, r)
	for _, want := range []string{`channel_removal_removals{status="awaiting_code"} 0`, `channel_removal_removal_oldest_in_status_seconds{status="awaiting_code"} 0`,
		`channel_removal_purges{status="held"} 0`, `channel_removal_purges_past_date{status="scheduled"} 0`,
		`channel_removal_purge_oldest_past_date_seconds{status="purging"} 0`, `channel_removal_notices_pending 2`,
		`channel_removal_build_draining_seconds{build_id="r4-old"} 3600`, `channel_removal_gauges_up 1`} {
		if !strings.Contains(body, want) {
			t.Errorf("empty database: /metrics lacks %s\n%s", want, grep(body, "channel_removal_"))
		}
	}

	b := seed.Builder{DB: db}
	acc, err := b.Account("", "Loja Métricas", "dono@metricas.test")
	if err != nil {
		t.Fatal(err)
	}
	var chans []string
	for _, name := range []string{"Aguardando", "Encerrada"} {
		ch, err := b.Channel(seed.ChannelSpec{AccountID: acc, Name: name, Kind: "messenger", Page: "P-" + name, Token: "tok"})
		if err != nil {
			t.Fatal(err)
		}
		chans = append(chans, ch)
	}
	waiting, final := "remove-channel:"+chans[0], "remove-channel:"+chans[1]
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status, created_at, updated_at, doc)
			VALUES ($1, 'run-1', $2, $3, 'completed_with_warnings', now() - interval '2 hours', now() - interval '2 hours', '{}')`,
			[]any{waiting, acc, chans[0]}},
		// Final: its retry window closed ten days ago.
		{`INSERT INTO removals (removal_id, run_id, account_id, channel_id, status, created_at, updated_at, completed_at, doc)
			VALUES ($1, 'run-1', $2, $3, 'completed_with_warnings', now() - interval '20 days', now() - interval '10 days', now() - interval '10 days', '{}')`,
			[]any{final, acc, chans[1]}},
		{`INSERT INTO message_purges (channel_id, account_id, removal_id, purge_after_days, purge_at, status)
			VALUES ($1, $2, $3, 30, now() - interval '3 hours', 'held')`, []any{chans[0], acc, waiting}},
	} {
		if _, err := db.Exec(st.q, st.args...); err != nil {
			t.Fatal(err)
		}
	}
	body = scrape(t, r)
	for _, want := range []string{`channel_removal_removals{status="completed_with_warnings"} 2`,
		`channel_removal_removal_oldest_in_status_seconds{status="completed_with_warnings"} 720`,
		`channel_removal_purges_past_date{status="held"} 1`, `channel_removal_purge_oldest_past_date_seconds{status="held"} 108`} {
		if !strings.Contains(body, want) { // 7200 s and 10800 s, give or take the test's own seconds
			t.Errorf("/metrics lacks %s…\n%s", want, grep(body, "channel_removal_"))
		}
	}
}

// TestTheWorkerSaysWhichBuildItRuns: the SDK's metrics carry no build id.
func TestTheWorkerSaysWhichBuildItRuns(t *testing.T) {
	r := New()
	r.BuildInfo("r5-abc123", "r5")
	if body := scrape(t, r); !strings.Contains(body, `channel_removal_build_info{build_id="r5-abc123",release="r5"} 1`) {
		t.Fatalf("/metrics lacks the build:\n%s", grep(body, "channel_removal_"))
	}
}
