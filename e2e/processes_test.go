package e2e

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/crm/channel-removal/config"
	"github.com/crm/channel-removal/internal/devtools/fakesendgrid"
	"github.com/crm/channel-removal/internal/devtools/graphsim"
	"github.com/crm/channel-removal/internal/devtools/seed"
	"github.com/crm/channel-removal/internal/devtools/testdb"
)

var (
	prodBinOnce sync.Once
	prodBin     string
	prodBinErr  error
)

// productionBinary builds cmd/channel-removal as production does (-tags nodev).
func productionBinary(t *testing.T) string {
	t.Helper()
	prodBinOnce.Do(func() {
		dir, _ := os.MkdirTemp("", "cr-bin-")
		prodBin = filepath.Join(dir, "channel-removal")
		out, err := exec.Command("go", "build", "-tags", "nodev", "-o", prodBin, "../cmd/channel-removal").CombinedOutput()
		if err != nil {
			prodBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if prodBinErr != nil {
		t.Fatal(prodBinErr)
	}
	return prodBin
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// process is a subprocess whose output is kept for failure messages.
type process struct {
	cmd *exec.Cmd
	out *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func startProcess(t *testing.T, env []string, args ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(productionBinary(t), args...), out: &syncBuffer{}}
	p.cmd.Env, p.cmd.Stdout, p.cmd.Stderr = env, p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("%s output:\n%s", args[0], p.out.String())
		}
	})
	return p
}

func runProcess(t *testing.T, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command(productionBinary(t), args...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, out)
	}
	return string(out)
}

func get(t *testing.T, url string) (int, string) {
	res, err := http.Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestAPIAndWorkerAsSeparateProcesses runs the production wiring apart:
// `migrate up` on an empty database, `worker` and `api` as their own processes
// against the separately started Temporal, `token` for a user, then a whole
// removal over HTTP and a scrape of both /metrics endpoints.
func TestAPIAndWorkerAsSeparateProcesses(t *testing.T) {
	dsn := testdb.Empty(t)
	sg := fakesendgrid.New(t)
	graph := graphsim.New()
	gs := httptest.NewServer(graph)
	t.Cleanup(gs.Close)
	apiAddr, metricsAddr, apiMetricsAddr := freeAddr(t), freeAddr(t), freeAddr(t)
	queue := "e2e-processes-" + strconv.FormatInt(time.Now().UnixNano(), 36) // this test's own
	// The production binary is another build than this test binary: on a
	// server of its own it is its deployment's first, and makes itself
	// current, as at a first deploy.
	own := newOwnServer(t)
	env := append(os.Environ(),
		"DATABASE_URL="+dsn, "TEMPORAL_ADDRESS="+own.srv.Address, "TEMPORAL_NAMESPACE=default", "TEMPORAL_TASK_QUEUE="+queue,
		"AUTH_JWT_SECRET=proc-jwt-secret-of-at-least-32-bytes", "CODE_SECRET=proc-code-secret-of-at-least-32-bytes",
		"CREDENTIALS_KEY="+credentialsKey, "META_APP_SECRET=proc-meta-secret-of-at-least-32-bytes",
		"SENDGRID_API_KEY=SG.proc", "SENDGRID_BASE_URL="+sg.URL(), "MAIL_FROM=no-reply@localhost",
		"META_GRAPH_BASE_URL="+gs.URL, "META_GRAPH_VERSION=v23.0",
		"HTTP_ADDR="+apiAddr, "METRICS_ADDR="+metricsAddr, "LOG_LEVEL=warn")

	runProcess(t, env, "migrate", "up")
	db, err := sqlx.Open("postgres", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := seed.Builder{DB: db}
	must := func(id string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	acc := must(b.Account("", "Loja Processos", "dono@proc.test"))
	must(b.User("", acc, "admin@proc.test", "Admin", "admin"))
	ch := must(b.Channel(seed.ChannelSpec{AccountID: acc, Name: "Messenger", Kind: "messenger", Page: "PP-" + acc[:8], Token: "tok"}))

	startProcess(t, env, "worker")
	startProcess(t, append(env[:len(env):len(env)], "METRICS_ADDR="+apiMetricsAddr), "api")
	base := "http://" + apiAddr
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := get(t, base+"/readyz"); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("api never became ready")
		}
		time.Sleep(200 * time.Millisecond)
	}
	token := strings.TrimSpace(runProcess(t, env, "token", "--email", "admin@proc.test"))

	s := &stack{t: t, http: &httptest.Server{URL: base}, sg: sg, adminToken: token}
	r := s.want(s.do("POST", "/v1/channels/"+ch+"/removals", token, nil), 201, "")
	id := r.str("id")
	s.want(s.do("POST", "/v1/removals/"+id+"/acknowledge", token, map[string]any{"acknowledged": true}), 200, "")
	s.want(s.do("POST", "/v1/removals/"+id+"/verify", token, map[string]any{"code": s.lastCode()}), 200, "")
	s.until(id, "completed")
	if !graph.Unsubscribed("PP-" + acc[:8]) {
		t.Fatal("page still subscribed")
	}

	// /metrics is on METRICS_ADDR, not on the public listener.
	if code, _ := get(t, base+"/metrics"); code != 404 {
		t.Errorf("the API's own listener serves /metrics: %d", code)
	}
	_, apiMetrics := get(t, "http://"+apiMetricsAddr+"/metrics")
	for _, want := range []string{
		`http_requests_total{method="POST",route="/v1/channels/:id/removals",status="201"} 1`,
		`http_request_duration_seconds_bucket{method="POST",route="/v1/removals/:id/verify",status="200"`,
		`temporal_request`,
	} {
		if !strings.Contains(apiMetrics, want) {
			t.Errorf("api /metrics lacks %s", want)
		}
	}
	// The read model says completed when the last activity's audit commits;
	// the run closes, and the worker counts it, a workflow task later.
	var workerMetrics string
	for end := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_, workerMetrics = get(t, "http://"+metricsAddr+"/metrics")
		if strings.Contains(workerMetrics, "temporal_workflow_completed") || time.Now().After(end) {
			break
		}
	}
	for _, want := range []string{"temporal_workflow_task_execution_latency", "temporal_activity_execution_latency", "temporal_workflow_completed"} {
		if !strings.Contains(workerMetrics, want) {
			t.Errorf("worker /metrics lacks %s", want)
		}
	}
	var line string
	for _, l := range strings.Split(workerMetrics, "\n") {
		if strings.HasPrefix(l, "temporal_workflow_task_execution_latency_count") {
			line = l
		}
	}
	t.Logf("worker: %s", line)
}

// TestProductionProcessesFailFastWithOneLine: misconfiguration is one clear
// line and a non-zero exit, not a hang or a stack trace.
func TestProductionProcessesFailFastWithOneLine(t *testing.T) {
	long := strings.Repeat("k", config.MinSecretBytes)
	base := append(os.Environ(), "AUTH_JWT_SECRET="+long, "CODE_SECRET="+long, "SENDGRID_API_KEY=z", "CREDENTIALS_KEY="+credentialsKey,
		"META_APP_SECRET="+long,
		"DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable")
	cases := []struct {
		name string
		env  []string
		cmd  string
		want string
	}{
		{"missing variables", []string{"AUTH_JWT_SECRET=", "META_APP_SECRET="}, "api",
			"missing required environment variable(s): AUTH_JWT_SECRET, TEMPORAL_ADDRESS, META_APP_SECRET"},
		{"temporal unreachable", []string{"TEMPORAL_ADDRESS=" + freeAddr(t)}, "worker", "cannot reach Temporal at"},
		{"half a TLS pair", []string{"TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_TLS_CERT=/nonexistent.pem"}, "api",
			"TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together"},
		{"unreadable CA", []string{"TEMPORAL_ADDRESS=" + temporalAddr, "TEMPORAL_TLS_CA=/nonexistent-ca.pem"}, "worker", "TEMPORAL_TLS_CA:"},
		{"bad credentials key", []string{"TEMPORAL_ADDRESS=" + temporalAddr, "CREDENTIALS_KEY=k1:short"}, "worker", "CREDENTIALS_KEY entry 1 (k1): want 32 bytes"},
		{"no credentials key", []string{"TEMPORAL_ADDRESS=" + temporalAddr, "CREDENTIALS_KEY="}, "worker", "missing required environment variable(s): CREDENTIALS_KEY"},
		{"dev secret", []string{"TEMPORAL_ADDRESS=" + temporalAddr, "AUTH_JWT_SECRET=" + config.DevJWTSecret}, "api",
			"AUTH_JWT_SECRET is a documented dev value"},
		{"short key", []string{"TEMPORAL_ADDRESS=" + temporalAddr, "CODE_SECRET=short"}, "worker", "CODE_SECRET is 5 bytes; it must be at least 32"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, productionBinary(t), c.cmd)
			cmd.Env = append(append([]string{}, base...), c.env...)
			out, err := cmd.CombinedOutput()
			text := strings.TrimSpace(string(out))
			if err == nil || ctx.Err() != nil || !strings.Contains(text, c.want) || strings.Count(text, "\n") > 0 || strings.Contains(text, "goroutine") {
				t.Fatalf("want one line with %q and a failure, got err=%v:\n%s", c.want, err, text)
			}
		})
	}
}
