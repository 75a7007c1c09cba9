package metrics

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/crm/channel-removal/domain"
)

// The service's own gauges, read from Postgres at each scrape (the record
// every process writes, so any one replica's answer is the whole
// service's): removals by status, how long the oldest one has been in each
// open status, purges by state and those past their date, the notices still
// open in Temporal, the builds still draining. Meta attempts are counted
// where they are made (activities.CountMetaAttempt, through the SDK's handler).
var (
	removalsDesc = prometheus.NewDesc("channel_removal_removals", "Removals (latest run of each) by status.", []string{"status"}, nil)
	oldestDesc   = prometheus.NewDesc("channel_removal_removal_oldest_in_status_seconds",
		"Age of the oldest open removal in each open status, since its last change (0: none).", []string{"status"}, nil)
	purgesDesc  = prometheus.NewDesc("channel_removal_purges", "Purges of removed channels' messages by state.", []string{"status"}, nil)
	overdueDesc = prometheus.NewDesc("channel_removal_purges_past_date",
		"Purges whose date has passed and that are not purged nor cancelled, by state (held: a hold past its date).", []string{"status"}, nil)
	overdueAgeDesc = prometheus.NewDesc("channel_removal_purge_oldest_past_date_seconds",
		"How long ago the date of the oldest purge past its date was, by state (0: none).", []string{"status"}, nil)
	noticesDesc  = prometheus.NewDesc("channel_removal_notices_pending", "Security notices still running in Temporal (not yet accepted by SendGrid).", nil, nil)
	drainingDesc = prometheus.NewDesc("channel_removal_build_draining_seconds",
		"Seconds since a build stopped taking new runs, while Temporal says runs pinned to it are still open.", []string{"build_id"}, nil)
	upDesc = prometheus.NewDesc("channel_removal_gauges_up", "1 when the last scrape read the service's gauges.", nil, nil)
)

// Every state a label can take is exported, at 0 when no row has it: an
// alert on `> 0` then sees a series go to 0 rather than vanish, and a
// dashboard draws a flat line rather than "no data".
var (
	removalStatuses = []domain.Status{domain.StatusPreflight, domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode,
		domain.StatusRemoving, domain.StatusUnlinking, domain.StatusCompleted, domain.StatusCompletedWithWarnings,
		domain.StatusRejected, domain.StatusCancelled, domain.StatusExpired, domain.StatusLocked, domain.StatusFailed}
	openStatuses = []domain.Status{domain.StatusPreflight, domain.StatusAwaitingAcknowledgement, domain.StatusAwaitingCode,
		domain.StatusRemoving, domain.StatusUnlinking, domain.StatusCompletedWithWarnings}
	purgeStates = []domain.RetentionStatus{domain.RetentionScheduled, domain.RetentionHeld, domain.RetentionPurging,
		domain.RetentionPurged, domain.RetentionCancelled}
	unfinishedPurgeStates = []domain.RetentionStatus{domain.RetentionScheduled, domain.RetentionHeld, domain.RetentionPurging}
)

// Service reads the gauges. Notices, when set, counts the open notice runs;
// Builds, when set, answers each draining build's seconds since it stopped
// taking new runs.
type Service struct {
	DB      *sqlx.DB
	Notices func(context.Context) (int64, error)
	Builds  func(context.Context) (map[string]float64, error)
}

// WatchService registers s's gauges.
func (r *Registry) WatchService(s Service) { r.reg.MustRegister(s) }

func (s Service) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{removalsDesc, oldestDesc, purgesDesc, overdueDesc, overdueAgeDesc, noticesDesc, drainingDesc, upDesc} {
		ch <- d
	}
}

func (s Service) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	up := 1.0
	gauge := func(d *prometheus.Desc, labels []string, query string) {
		var rows []struct {
			Label string  `db:"label"`
			Value float64 `db:"value"`
		}
		if err := s.DB.SelectContext(ctx, &rows, query); err != nil {
			up = 0
			return
		}
		values := make(map[string]float64, len(labels))
		for _, l := range labels {
			values[l] = 0
		}
		for _, r := range rows {
			values[r.Label] = r.Value
		}
		for l, v := range values {
			ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, l)
		}
	}
	latest := `SELECT DISTINCT ON (removal_id) status, updated_at, completed_at FROM removals ORDER BY removal_id, created_at DESC`
	gauge(removalsDesc, labels(removalStatuses), `SELECT status AS label, count(*)::float8 AS value FROM (`+latest+`) r GROUP BY status`)
	// completed_at marks a record final: a completed_with_warnings whose
	// retry window closed waits for nothing and must not age here forever.
	gauge(oldestDesc, labels(openStatuses), `SELECT status AS label, extract(epoch FROM now() - min(updated_at))::float8 AS value FROM (`+latest+`) r
		WHERE completed_at IS NULL AND status IN ('preflight', 'awaiting_acknowledgement', 'awaiting_code', 'removing', 'unlinking', 'completed_with_warnings') GROUP BY status`)
	gauge(purgesDesc, labels(purgeStates), `SELECT status AS label, count(*)::float8 AS value FROM message_purges GROUP BY status`)
	pastDate := ` FROM message_purges WHERE purge_at < now() AND status IN ('scheduled', 'held', 'purging') GROUP BY status`
	gauge(overdueDesc, labels(unfinishedPurgeStates), `SELECT status AS label, count(*)::float8 AS value`+pastDate)
	gauge(overdueAgeDesc, labels(unfinishedPurgeStates), `SELECT status AS label, extract(epoch FROM now() - min(purge_at))::float8 AS value`+pastDate)
	if s.Notices != nil {
		if n, err := s.Notices(ctx); err == nil {
			ch <- prometheus.MustNewConstMetric(noticesDesc, prometheus.GaugeValue, float64(n))
		} else {
			up = 0
		}
	}
	if s.Builds != nil {
		if builds, err := s.Builds(ctx); err == nil {
			for id, seconds := range builds {
				ch <- prometheus.MustNewConstMetric(drainingDesc, prometheus.GaugeValue, seconds, id)
			}
		} else {
			up = 0
		}
	}
	ch <- prometheus.MustNewConstMetric(upDesc, prometheus.GaugeValue, up)
}

func labels[S ~string](values []S) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}
