package metrics

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// SDKHandler adapts the Temporal SDK's metrics to Prometheus. The SDK's
// contrib/tally adapter is not reachable from our module proxy, so this is the
// small bridge it would have been.
//
// Prometheus needs one label set per metric name, while the SDK may tag one
// name differently from call to call: the first label set seen for a name wins,
// later calls fill missing labels with "none" and drop extra ones.
func (r *Registry) SDKHandler() client.MetricsHandler {
	return &sdkHandler{vecs: &sdkVecs{reg: r.reg, byName: map[string]*sdkVec{}}, tags: map[string]string{}}
}

type sdkVecs struct {
	mu     sync.Mutex
	reg    *prometheus.Registry
	byName map[string]*sdkVec
}

type sdkVec struct {
	labels  []string
	counter *prometheus.CounterVec
	gauge   *prometheus.GaugeVec
	hist    *prometheus.HistogramVec
}

type sdkHandler struct {
	vecs *sdkVecs
	tags map[string]string
}

func (h *sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &sdkHandler{vecs: h.vecs, tags: merged}
}

func (h *sdkHandler) vec(name, kind string) (*sdkVec, prometheus.Labels) {
	h.vecs.mu.Lock()
	defer h.vecs.mu.Unlock()
	v, ok := h.vecs.byName[name]
	if !ok {
		v = &sdkVec{labels: sanitizedKeys(h.tags)}
		switch kind {
		case "counter":
			v.counter = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: "Temporal SDK counter " + name}, v.labels)
			h.vecs.reg.MustRegister(v.counter)
		case "gauge":
			v.gauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: "Temporal SDK gauge " + name}, v.labels)
			h.vecs.reg.MustRegister(v.gauge)
		default:
			v.hist = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: "Temporal SDK timer " + name + " (seconds)",
				Buckets: prometheus.ExponentialBuckets(0.001, 2, 16)}, v.labels)
			h.vecs.reg.MustRegister(v.hist)
		}
		h.vecs.byName[name] = v
	}
	values := prometheus.Labels{}
	for _, l := range v.labels {
		values[l] = "none"
	}
	for k, val := range h.tags {
		if _, ok := values[sanitize(k)]; ok {
			values[sanitize(k)] = val
		}
	}
	return v, values
}

func (h *sdkHandler) Counter(name string) client.MetricsCounter {
	v, l := h.vec(name, "counter")
	if v.counter == nil {
		return nopMetric{}
	}
	return counter{v.counter.With(l)}
}

func (h *sdkHandler) Gauge(name string) client.MetricsGauge {
	v, l := h.vec(name, "gauge")
	if v.gauge == nil {
		return nopMetric{}
	}
	return gauge{v.gauge.With(l)}
}

func (h *sdkHandler) Timer(name string) client.MetricsTimer {
	v, l := h.vec(name, "timer")
	if v.hist == nil {
		return nopMetric{}
	}
	return timer{v.hist.With(l)}
}

type counter struct{ c prometheus.Counter }

func (c counter) Inc(n int64) { c.c.Add(float64(n)) }

type gauge struct{ g prometheus.Gauge }

func (g gauge) Update(f float64) { g.g.Set(f) }

type timer struct{ o prometheus.Observer }

func (t timer) Record(d time.Duration) { t.o.Observe(d.Seconds()) }

// nopMetric answers when a name was first used as another kind of metric.
type nopMetric struct{}

func (nopMetric) Inc(int64)            {}
func (nopMetric) Update(float64)       {}
func (nopMetric) Record(time.Duration) {}

func sanitizedKeys(tags map[string]string) []string {
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, sanitize(k))
	}
	sort.Strings(keys)
	return keys
}

func sanitize(k string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, k)
}
