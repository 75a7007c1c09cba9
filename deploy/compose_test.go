// Package deploy checks the production shape files.
package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/workflows"
)

type compose struct {
	Services map[string]struct {
		Image       string            `yaml:"image"`
		Build       any               `yaml:"build"`
		Command     any               `yaml:"command"`
		Entrypoint  any               `yaml:"entrypoint"`
		Environment map[string]string `yaml:"environment"`
		Volumes     []string          `yaml:"volumes"`
		Ports       []string          `yaml:"ports"`
		EnvFile     any               `yaml:"env_file"`
		Healthcheck map[string]any    `yaml:"healthcheck"`
		StopGrace   string            `yaml:"stop_grace_period"`
		Deploy      struct {
			Replicas int `yaml:"replicas"`
		} `yaml:"deploy"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	} `yaml:"services"`
}

// TestComposeNamesEveryServiceInOrder checks what the production shape needs
// of the file: every service, health checks, start order, secrets from .env,
// Temporal's own images (not the deprecated auto-setup) set up by
// deploy/temporal's files, which the rehearsal runs too, and two replicas of
// the worker and of the API behind the load balancer.
func TestComposeNamesEveryServiceInOrder(t *testing.T) {
	raw, err := os.ReadFile("../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var c compose
	if err := yaml.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"postgres", "temporal-db", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui", "migrate", "worker", "api", "lb"} {
		if _, ok := c.Services[name]; !ok {
			t.Errorf("service %s missing", name)
		}
	}
	for _, name := range []string{"postgres", "temporal-db", "temporal", "api", "lb"} {
		if c.Services[name].Healthcheck == nil {
			t.Errorf("service %s has no healthcheck", name)
		}
	}
	for name, s := range c.Services {
		if strings.Contains(s.Image, "auto-setup") {
			t.Errorf("%s runs the deprecated %s", name, s.Image)
		}
	}
	server := c.Services["temporal"]
	if !strings.HasPrefix(server.Image, "temporalio/server:") || !strings.Contains(stringify(server.Entrypoint), "--config config --env production") ||
		!strings.HasPrefix(server.Environment["DYNAMIC_CONFIG_FILE_PATH"], "/etc/channel-removal/temporal/") ||
		server.DependsOn["temporal-schema"].Condition != "service_completed_successfully" {
		t.Errorf("temporal must be temporalio/server on deploy/temporal's configuration, after the schema job: %+v", server)
	}
	for job, step := range map[string]string{"temporal-schema": "schema", "temporal-namespace": "namespace"} {
		s := c.Services[job]
		if !strings.HasPrefix(s.Image, "temporalio/admin-tools:") || stringify(s.Entrypoint) != "sh /etc/channel-removal/temporal/setup.sh "+step ||
			len(s.Volumes) != 1 || !strings.HasPrefix(s.Volumes[0], "./deploy/temporal:/etc/channel-removal/temporal") {
			t.Errorf("%s must run deploy/temporal/setup.sh %s in admin-tools: %+v", job, step, s)
		}
	}
	if c.Services["temporal-namespace"].DependsOn["temporal"].Condition != "service_healthy" {
		t.Error("the namespace job must wait for a healthy server")
	}
	for _, name := range []string{"api", "worker"} {
		s := c.Services[name]
		if s.Build == nil || s.EnvFile == nil {
			t.Errorf("%s must be built from the Dockerfile and read .env", name)
		}
		if s.DependsOn["migrate"].Condition != "service_completed_successfully" ||
			s.DependsOn["temporal-namespace"].Condition != "service_completed_successfully" {
			t.Errorf("%s must start after migrations and the namespace: %+v", name, s.DependsOn)
		}
		if s.Deploy.Replicas != 2 {
			t.Errorf("%s: %d replicas, want 2", name, s.Deploy.Replicas)
		}
	}
	// A stopping worker lets its activities finish (WORKER_STOP_TIMEOUT);
	// Docker kills it after the grace period, 10 s unless set.
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	if g, err := time.ParseDuration(c.Services["worker"].StopGrace); err != nil || g <= cfg.WorkerStopTimeout {
		t.Errorf("worker stop_grace_period %q must exceed WORKER_STOP_TIMEOUT (%s)", c.Services["worker"].StopGrace, cfg.WorkerStopTimeout)
	}
	if c.Services["migrate"].DependsOn["postgres"].Condition != "service_healthy" {
		t.Error("migrate must wait for a healthy postgres")
	}
	setup, err := os.ReadFile("temporal/setup.sh")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range workflows.SearchAttributeNames { // "Name" is a Keyword, "Name=Type" another type
		name, typ, typed := strings.Cut(name, "=")
		if !typed {
			typ = "Keyword"
		}
		if !strings.Contains(string(setup), name+":"+typ) {
			t.Errorf("search attribute %s (%s) is not registered by deploy/temporal/setup.sh", name, typ)
		}
	}
	if p := c.Services["api"].Ports; len(p) != 0 {
		t.Errorf("api replicas publish ports %v; the load balancer does", p)
	}
	// The API to everyone; the codec server to the host's loopback only.
	if p := c.Services["lb"].Ports; len(p) != 2 || p[0] != "8080:8080" || p[1] != "127.0.0.1:8234:8234" {
		t.Errorf("lb ports: %v", p)
	}
	// Temporal is the control plane: its frontend stays on the compose
	// network, its UI (no sign-in of its own) on the host's loopback.
	if p := c.Services["temporal"].Ports; len(p) != 0 {
		t.Errorf("the Temporal frontend publishes %v; it must stay on the compose network", p)
	}
	if p := c.Services["temporal-ui"].Ports; len(p) != 1 || p[0] != "127.0.0.1:8233:8080" {
		t.Errorf("temporal-ui ports: %v; bind it to 127.0.0.1", p)
	}
}

func stringify(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []any:
		var parts []string
		for _, p := range x {
			parts = append(parts, stringify(p))
		}
		return strings.Join(parts, " ")
	}
	return ""
}

// TestComposeValidatesWithDockerCompose runs Debian's docker-compose over the
// file with .env.example as .env: the schema check the YAML test cannot do.
// .ci/run installs docker-compose; without it locally the test is skipped.
func TestComposeValidatesWithDockerCompose(t *testing.T) {
	bin, err := exec.LookPath("docker-compose")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("docker-compose is not installed; .ci/run installs it")
		}
		t.Skip("docker-compose not installed (apt-get install docker-compose)")
	}
	dir := t.TempDir()
	for src, dst := range map[string]string{"../docker-compose.yml": "docker-compose.yml", "../.env.example": ".env"} {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, dst), b, 0o644)
	}
	out, err := exec.Command(bin, "-f", filepath.Join(dir, "docker-compose.yml"), "--project-directory", dir, "config", "-q").CombinedOutput()
	if err != nil {
		t.Fatalf("docker-compose config: %v\n%s", err, out)
	}
}
