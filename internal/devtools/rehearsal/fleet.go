package rehearsal

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/crm/channel-removal/workflows"
)

// fleet is the service's processes: workers and APIs of the production
// binary, each with its own ports, its own Postgres application_name (so a
// lock wait names its worker) and, for workers, its own door to the Graph
// simulator (so a held Meta call names its worker).
type fleet struct {
	temporal client.Client
	workers  []*process
	apis     []*process
	apiURLs  []string
	// what newWorker and newAPI start processes with
	workDir, appDSN string
	env             []string
}

func newFleet(bin, workDir string, env []string, appDSN string, graphURLs []string, n int) (*fleet, error) {
	f := &fleet{workDir: workDir, appDSN: appDSN, env: env}
	for i := 1; i <= n; i++ {
		w, err := f.newWorker(bin, fmt.Sprintf("worker-%d", i), graphURLs[i-1], nil)
		if err != nil {
			return nil, err
		}
		a, err := f.newAPI(bin, fmt.Sprintf("api-%d", i), graphURLs[i-1], nil)
		if err != nil {
			return nil, err
		}
		f.workers, f.apis, f.apiURLs = append(f.workers, w), append(f.apis, a.proc), append(f.apiURLs, a.url)
	}
	return f, nil
}

// newWorker is a worker process of bin named name (not started); extra
// adds to or overrides the fleet's environment.
func (f *fleet) newWorker(bin, name, graphURL string, extra []string) (*process, error) {
	ports, err := freePorts(1)
	if err != nil {
		return nil, err
	}
	return &process{name: name, path: bin, args: []string{"worker"}, logFile: filepath.Join(f.workDir, name+".log"),
		env: append(append(append([]string{}, f.env...), "DATABASE_URL="+withAppName(f.appDSN, "rehearsal-"+name),
			"META_GRAPH_BASE_URL="+graphURL, "METRICS_ADDR=127.0.0.1:"+ports[0]), extra...)}, nil
}

// apiProcess is an API process and its URL.
type apiProcess struct {
	proc *process
	url  string
}

// start starts the API and waits for its /readyz.
func (a apiProcess) start(ctx context.Context) error {
	if err := a.proc.start(); err != nil {
		return err
	}
	return waitReady(ctx, a.proc, a.url)
}

func (f *fleet) newAPI(bin, name, graphURL string, extra []string) (apiProcess, error) {
	ports, err := freePorts(2)
	if err != nil {
		return apiProcess{}, err
	}
	p := &process{name: name, path: bin, args: []string{"api"}, logFile: filepath.Join(f.workDir, name+".log"),
		env: append(append(append([]string{}, f.env...), "DATABASE_URL="+withAppName(f.appDSN, "rehearsal-"+name),
			"META_GRAPH_BASE_URL="+graphURL, "HTTP_ADDR=127.0.0.1:"+ports[0], "METRICS_ADDR=127.0.0.1:"+ports[1]), extra...)}
	return apiProcess{proc: p, url: "http://127.0.0.1:" + ports[0]}, nil
}

func withAppName(dsn, name string) string {
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "application_name=" + name
}

func (f *fleet) startAll(ctx context.Context) error {
	for i := range f.workers {
		if err := f.startWorker(ctx, i); err != nil {
			return err
		}
	}
	for i := range f.apis {
		if err := f.startAPI(ctx, i); err != nil {
			return err
		}
	}
	return nil
}

// startWorker starts worker i and waits until it polls the task queue.
func (f *fleet) startWorker(ctx context.Context, i int) error {
	return f.startProcess(ctx, f.workers[i], workflows.TaskQueue)
}

// startProcess starts worker w and waits until it polls queue.
func (f *fleet) startProcess(ctx context.Context, w *process, queue string) error {
	if err := w.start(); err != nil {
		return err
	}
	identity := fmt.Sprintf("%d@", w.pid())
	return waitFor(ctx, 60*time.Second, w, func() bool {
		res, err := f.temporal.DescribeTaskQueue(ctx, queue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		if err != nil {
			return false
		}
		for _, p := range res.GetPollers() {
			if strings.HasPrefix(p.GetIdentity(), identity) {
				return true
			}
		}
		return false
	})
}

// startAPI starts API i and waits for its /readyz.
func (f *fleet) startAPI(ctx context.Context, i int) error {
	return apiProcess{proc: f.apis[i], url: f.apiURLs[i]}.start(ctx)
}

func waitReady(ctx context.Context, p *process, url string) error {
	client := http.Client{Timeout: 10 * time.Second} // one hung probe must not outlast the wait
	return waitFor(ctx, 60*time.Second, p, func() bool {
		res, err := client.Get(url + "/readyz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

// workerOf names the worker whose SDK identity ("pid@host@") is given.
func (f *fleet) workerOf(identity string) string {
	for _, w := range f.workers {
		if w.cmd != nil && strings.HasPrefix(identity, fmt.Sprintf("%d@", w.pid())) {
			return w.name
		}
	}
	return "a killed " + identity
}

func (f *fleet) stop() {
	for _, p := range append(append([]*process{}, f.apis...), f.workers...) {
		p.stop()
	}
}

func waitFor(ctx context.Context, limit time.Duration, p *process, ok func() bool) error {
	deadline := time.Now().Add(limit)
	for !ok() {
		if !p.running() {
			return fmt.Errorf("%s exited; see %s", p.name, p.logFile)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s; see %s", p.name, limit, p.logFile)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return nil
}
