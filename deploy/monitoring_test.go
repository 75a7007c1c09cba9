package deploy

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// The files ops load: Prometheus's configuration and alert rules, Grafana's
// dashboard (docs/observability.md, "Dashboard and alerts").
const (
	promConfig = "prometheus/prometheus.yml"
	alertRules = "prometheus/alerts.yml"
	dashboard  = "grafana/dashboards/channel-removal.json"
)

type rules struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

func readRules(t *testing.T) rules {
	t.Helper()
	raw, err := os.ReadFile(alertRules)
	if err != nil {
		t.Fatal(err)
	}
	var r rules
	if err := yaml.Unmarshal(raw, &r); err != nil {
		t.Fatal(err)
	}
	return r
}

type board struct {
	UID    string `json:"uid"`
	Panels []struct {
		ID         int    `json:"id"`
		Type       string `json:"type"`
		Title      string `json:"title"`
		Datasource struct {
			UID string `json:"uid"`
		} `json:"datasource"`
		Targets []struct {
			Expr string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func readBoard(t *testing.T) board {
	t.Helper()
	raw, err := os.ReadFile(dashboard)
	if err != nil {
		t.Fatal(err)
	}
	var b board
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatalf("%s: %v", dashboard, err)
	}
	return b
}

// TestPromtoolAcceptsTheRulesAndTheConfig: the rules and the scrape
// configuration as Prometheus itself reads them (Debian's prometheus
// package ships promtool; .ci/run installs it). Without it the test skips
// locally and fails under CI.
func TestPromtoolAcceptsTheRulesAndTheConfig(t *testing.T) {
	bin, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("promtool is not installed; .ci/run installs Debian's prometheus package")
		}
		t.Skip("promtool not installed (apt-get install prometheus)")
	}
	for _, args := range [][]string{{"check", "rules", alertRules}, {"check", "config", promConfig}} {
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestEveryAlertSaysWhatItIsAndWhatToDo: a page is read at 3 a.m.; each
// rule has a summary, a description, a severity the routing knows, and a
// runbook that is a section of docs/observability.md.
func TestEveryAlertSaysWhatItIsAndWhatToDo(t *testing.T) {
	ops, err := os.ReadFile("../docs/observability.md")
	if err != nil {
		t.Fatal(err)
	}
	anchors := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#+ (.+)$`).FindAllStringSubmatch(string(ops), -1) {
		anchors[anchor(m[1])] = true
	}
	n := 0
	for _, g := range readRules(t).Groups {
		for _, r := range g.Rules {
			n++
			for _, k := range []string{"summary", "description", "runbook"} {
				if strings.TrimSpace(r.Annotations[k]) == "" {
					t.Errorf("%s: no %s", r.Alert, k)
				}
			}
			if s := r.Labels["severity"]; s != "page" && s != "ticket" {
				t.Errorf("%s: severity %q, want page or ticket", r.Alert, s)
			}
			file, frag, _ := strings.Cut(r.Annotations["runbook"], "#")
			if file != "docs/observability.md" || !anchors[frag] {
				t.Errorf("%s: runbook %q is not a section of docs/observability.md", r.Alert, r.Annotations["runbook"])
			}
		}
	}
	if n == 0 {
		t.Fatal("no alert rules")
	}
}

// anchor is the fragment GitHub gives a heading.
func anchor(heading string) string {
	h := strings.ToLower(strings.TrimSpace(heading))
	h = regexp.MustCompile("[^\\p{L}\\p{N} _-]").ReplaceAllString(h, "")
	return strings.ReplaceAll(h, " ", "-")
}

// TestTheDashboardLoads: Grafana's JSON parses, every panel reads the
// provisioned datasource, and panel ids are unique (Grafana drops repeats).
func TestTheDashboardLoads(t *testing.T) {
	b := readBoard(t)
	if b.UID == "" || len(b.Panels) == 0 {
		t.Fatalf("dashboard uid %q, %d panels", b.UID, len(b.Panels))
	}
	ds, err := os.ReadFile("grafana/provisioning/datasources/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range b.Panels {
		if seen[p.ID] {
			t.Errorf("panel id %d twice", p.ID)
		}
		seen[p.ID] = true
		if p.Type == "row" {
			continue
		}
		if !strings.Contains(string(ds), "uid: "+p.Datasource.UID) || len(p.Targets) == 0 {
			t.Errorf("panel %q: datasource %q, %d queries", p.Title, p.Datasource.UID, len(p.Targets))
		}
		for _, q := range p.Targets {
			if strings.TrimSpace(q.Expr) == "" {
				t.Errorf("panel %q has an empty query", p.Title)
			}
		}
	}
}

// usedMetrics are the metric names the rules and the dashboard query, each
// with where: the service's (channel_removal_, http_) and the SDK's (temporal_).
func usedMetrics(t *testing.T) map[string][]string {
	t.Helper()
	names := regexp.MustCompile(`\b(?:channel_removal|temporal|http)_[a-zA-Z0-9_]+`)
	used := map[string][]string{}
	add := func(where, expr string) {
		expr = regexp.MustCompile(`"[^"]*"`).ReplaceAllString(expr, `""`) // label values name workflows, not metrics
		for _, n := range names.FindAllString(expr, -1) {
			used[n] = append(used[n], where)
		}
	}
	for _, g := range readRules(t).Groups {
		for _, r := range g.Rules {
			add("rule "+r.Alert, r.Expr)
		}
	}
	for _, p := range readBoard(t).Panels {
		for _, q := range p.Targets {
			add("panel "+p.Title, q.Expr)
		}
	}
	return used
}

// TestComposeRunsPrometheusAndGrafana: Prometheus loads deploy/prometheus
// and scrapes each api and worker replica at its METRICS_ADDR's port;
// Grafana is provisioned from deploy/grafana; both stay on the loopback.
func TestComposeRunsPrometheusAndGrafana(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	mounts := func(name string) string { return strings.Join(c.Services[name].Volumes, " ") }
	if !strings.Contains(mounts("prometheus"), "./deploy/prometheus:/etc/prometheus") ||
		!strings.Contains(stringify(c.Services["prometheus"].Command), "--config.file=/etc/prometheus/prometheus.yml") {
		t.Errorf("prometheus must load deploy/prometheus/prometheus.yml: %+v", c.Services["prometheus"])
	}
	for _, m := range []string{"./deploy/grafana/provisioning:/etc/grafana/provisioning", "./deploy/grafana/dashboards:/etc/grafana/dashboards"} {
		if !strings.Contains(mounts("grafana"), m) {
			t.Errorf("grafana lacks the mount %s", m)
		}
	}
	for _, name := range []string{"prometheus", "grafana"} {
		for _, p := range c.Services[name].Ports {
			if !strings.HasPrefix(p, "127.0.0.1:") {
				t.Errorf("%s publishes %s beyond the loopback", name, p)
			}
		}
	}
	cfg, err := os.ReadFile(promConfig)
	if err != nil {
		t.Fatal(err)
	}
	var prom struct {
		ScrapeConfigs []struct {
			Job string `yaml:"job_name"`
			DNS []struct {
				Names []string `yaml:"names"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(cfg, &prom); err != nil {
		t.Fatal(err)
	}
	scraped := map[string]int{}
	for _, s := range prom.ScrapeConfigs {
		for _, d := range s.DNS {
			for _, n := range d.Names {
				scraped[n] = d.Port
			}
		}
	}
	for _, name := range []string{"api", "worker"} {
		_, port, _ := strings.Cut(c.Services[name].Environment["METRICS_ADDR"], ":")
		if port == "" || port != strconv.Itoa(scraped[name]) {
			t.Errorf("%s: METRICS_ADDR port %q, Prometheus scrapes %d", name, port, scraped[name])
		}
	}
}
