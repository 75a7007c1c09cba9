package metrics

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
)

// The service's own gauges, read from Postgres at each scrape (the record
// every process writes, so any one replica's answer is the whole
// service's): removals by status, how long the oldest one has been in each
// open status, purges by state and those past their date, the notices still
// open in Temporal. Meta attempts are counted where they are made
// (activities.CountMetaAttempt, through the SDK's handler).
var (
	removalsDesc = prometheus.NewDesc("channel_removal_removals", "Removals (latest run of each) by status.", []string{"status"}, nil)
	oldestDesc   = prometheus.NewDesc("channel_removal_removal_oldest_in_status_seconds",
		"Age of the oldest removal in each open status, since its last change.", []string{"status"}, nil)
	purgesDesc  = prometheus.NewDesc("channel_removal_purges", "Purges of removed channels' messages by state.", []string{"status"}, nil)
	overdueDesc = prometheus.NewDesc("channel_removal_purges_past_date",
		"Purges whose date has passed and that are not purged nor cancelled, by state (held: a hold past its date).", []string{"status"}, nil)
	noticesDesc = prometheus.NewDesc("channel_removal_notices_pending", "Security notices still running in Temporal (not yet accepted by SendGrid).", nil, nil)
	upDesc      = prometheus.NewDesc("channel_removal_gauges_up", "1 when the last scrape read the service's gauges.", nil, nil)
)

// Service reads the gauges; Notices, when set, counts the open notice runs.
type Service struct {
	DB      *sqlx.DB
	Notices func(context.Context) (int64, error)
}

// WatchService registers s's gauges.
func (r *Registry) WatchService(s Service) { r.reg.MustRegister(s) }

func (s Service) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{removalsDesc, oldestDesc, purgesDesc, overdueDesc, noticesDesc, upDesc} {
		ch <- d
	}
}

func (s Service) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	up := 1.0
	gauge := func(d *prometheus.Desc, query string) {
		var rows []struct {
			Label string  `db:"label"`
			Value float64 `db:"value"`
		}
		if err := s.DB.SelectContext(ctx, &rows, query); err != nil {
			up = 0
			return
		}
		for _, r := range rows {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, r.Value, r.Label)
		}
	}
	latest := `SELECT DISTINCT ON (removal_id) status, updated_at FROM removals ORDER BY removal_id, created_at DESC`
	gauge(removalsDesc, `SELECT status AS label, count(*)::float8 AS value FROM (`+latest+`) r GROUP BY status`)
	gauge(oldestDesc, `SELECT status AS label, extract(epoch FROM now() - min(updated_at))::float8 AS value FROM (`+latest+`) r
		WHERE status IN ('preflight', 'awaiting_acknowledgement', 'awaiting_code', 'removing', 'unlinking', 'completed_with_warnings') GROUP BY status`)
	gauge(purgesDesc, `SELECT status AS label, count(*)::float8 AS value FROM message_purges GROUP BY status`)
	gauge(overdueDesc, `SELECT status AS label, count(*)::float8 AS value FROM message_purges
		WHERE purge_at < now() AND status IN ('scheduled', 'held', 'purging') GROUP BY status`)
	if s.Notices != nil {
		if n, err := s.Notices(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(noticesDesc, prometheus.GaugeValue, float64(n))
		} else {
			up = 0
		}
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up)
}
