package deploy

import (
	"context"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"net/http/httptest"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/crm/channel-removal/activities"
	"github.com/crm/channel-removal/internal/devtools/testdb"
	"github.com/crm/channel-removal/metrics"
)

// TestEveryMetricTheRulesAndTheDashboardNameIsExported: a rule on a metric
// no process exports never fires, and says nothing about it. The service's
// own names are read from a scrape of the registry the processes build
// (its gauges over a migrated database, a request through the API's
// middleware, the worker's build and a Meta attempt counted under the
// activity's name); the SDK's from the names the SDK itself declares
// (go.temporal.io/sdk's internal/common/metrics), in the form the
// OpenTelemetry exporter gives their kind: counters _total, timers
// _seconds_bucket/_sum/_count, gauges bare (metrics/temporal_test.go shows it).
func TestEveryMetricTheRulesAndTheDashboardNameIsExported(t *testing.T) {
	exported := ownMetrics(t)
	for _, base := range sdkMetricNames(t) {
		for _, suffix := range []string{"", "_total", "_seconds_bucket", "_seconds_sum", "_seconds_count"} {
			exported[base+suffix] = true
		}
	}
	used := usedMetrics(t)
	if len(used) == 0 {
		t.Fatal("the rules and the dashboard name no metric")
	}
	for name, where := range used {
		if !exported[name] {
			t.Errorf("%s (%s) is not exported", name, strings.Join(where, ", "))
		}
	}
	for _, want := range []string{"channel_removal_build_info", "channel_removal_removal_oldest_in_status_seconds",
		"temporal_workflow_task_schedule_to_start_latency_seconds_bucket"} {
		if used[want] == nil {
			t.Errorf("nothing shows %s", want)
		}
	}
}

// ownMetrics scrapes a registry wired as the api and worker processes wire
// theirs.
func ownMetrics(t *testing.T) map[string]bool {
	_, db := testdb.New(t)
	reg := metrics.New()
	reg.WatchService(metrics.Service{DB: db,
		Notices: func(context.Context) (int64, error) { return 0, nil },
		Builds:  func(context.Context) (map[string]float64, error) { return map[string]float64{"r0-old": 1}, nil }})
	reg.BuildInfo("r0-test", "r0")
	reg.SDKHandler().WithTags(map[string]string{"call": "unsubscribe", "class": "ok", "graph_code": ""}).
		Counter(activities.MetaAttemptsMetric).Inc(1)
	gin.SetMode(gin.ReleaseMode)
	api := gin.New()
	api.Use(reg.Middleware())
	api.GET("/healthz", func(c *gin.Context) { c.Status(200) })
	api.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/healthz", nil))

	rec := httptest.NewRecorder()
	reg.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	names := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		names[strings.FieldsFunc(line, func(r rune) bool { return r == '{' || r == ' ' })[0]] = true
	}
	return names
}

// sdkMetricNames are the metric names the Temporal SDK in go.mod declares,
// its constants evaluated by go/types (several are built from others).
func sdkMetricNames(t *testing.T) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "go.temporal.io/sdk").Output()
	if err != nil {
		t.Fatalf("go list go.temporal.io/sdk: %v", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "internal", "common", "metrics", "constants.go")
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("metrics", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, id := range pkg.Scope().Names() {
		c, ok := pkg.Scope().Lookup(id).(*types.Const)
		if !ok {
			continue
		}
		if v := strings.Trim(c.Val().ExactString(), `"`); strings.HasPrefix(v, "temporal_") && v != "temporal_go" {
			names = append(names, v)
		}
	}
	if len(names) < 20 {
		t.Fatalf("only %d metric names in %s", len(names), path)
	}
	return names
}
