package metrics

import "github.com/prometheus/client_golang/prometheus"

// BuildInfoMetric says which build a worker process runs. The SDK tags its
// metrics with task queue, workflow and activity type, but never with the
// Worker Deployment's build id; without this gauge the dashboard could not
// say which builds are polling, nor for how long two of them have been.
const BuildInfoMetric = "channel_removal_build_info"

// BuildInfo registers channel_removal_build_info{build_id,release} = 1: one
// series per process, joined by Prometheus's instance label to the rest.
func (r *Registry) BuildInfo(buildID, release string) {
	g := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: BuildInfoMetric, Help: "1 for the Worker Deployment build (build_id) and workflow release this worker runs.",
		ConstLabels: prometheus.Labels{"build_id": buildID, "release": release},
	})
	g.Set(1)
	r.reg.MustRegister(g)
}
