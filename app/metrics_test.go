package app

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/metrics"
)

// TestMetricsAreServedOnMetricsAddrNotOnTheAPI: the API counts its requests
// into the registry, but /metrics answers only on METRICS_ADDR's listener.
func TestMetricsAreServedOnMetricsAddrNotOnTheAPI(t *testing.T) {
	reg := metrics.New()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := httptest.NewServer(Parts{Config: config.Config{}, Metrics: reg, Log: log}.API().Handler())
	defer api.Close()
	for _, path := range []string{"/metrics", "/healthz"} {
		res, err := http.Get(api.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if want := map[string]int{"/metrics": 404, "/healthz": 200}[path]; res.StatusCode != want {
			t.Fatalf("API %s: %d, want %d", path, res.StatusCode, want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, err := ServeMetrics(ctx, "127.0.0.1:0", reg, log)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.Get("http://" + addr.String() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.Contains(string(body), `http_requests_total{method="GET",route="/healthz",status="200"} 1`) {
		t.Fatalf("METRICS_ADDR /metrics: %d\n%s", res.StatusCode, body)
	}
	if off, err := ServeMetrics(ctx, "off", reg, log); off != nil || err != nil {
		t.Fatalf("off: %v %v", off, err)
	}
}
