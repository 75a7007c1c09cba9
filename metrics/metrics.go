// Package metrics exposes Prometheus metrics: the API's requests and the
// Temporal SDK's client and worker metrics, from one registry.
package metrics

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// Registry holds every metric of a process.
type Registry struct {
	reg      *prometheus.Registry
	sdkOnce  sync.Once
	sdk      client.MetricsHandler
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

// New makes a registry with Go runtime and process collectors.
func New() *Registry {
	r := &Registry{reg: prometheus.NewRegistry()}
	r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	r.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "http_requests_total", Help: "HTTP requests by route pattern, method and status.",
	}, []string{"method", "route", "status"})
	r.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "HTTP request latency by route pattern, method and status.",
		Buckets: prometheus.DefBuckets,
	}, []string{"method", "route", "status"})
	r.reg.MustRegister(r.requests, r.latency)
	return r
}

// Middleware counts and times requests by route pattern (never the raw path,
// which would make one series per channel id).
func (r *Registry) Middleware() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := strconv.Itoa(c.Writer.Status())
		r.requests.WithLabelValues(c.Request.Method, route, status).Inc()
		r.latency.WithLabelValues(c.Request.Method, route, status).Observe(time.Since(start).Seconds())
	}
}

// Handler serves the registry in the Prometheus text format.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg})
}
