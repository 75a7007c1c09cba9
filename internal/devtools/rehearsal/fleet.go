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
}

func newFleet(bin, workDir string, env []string, appDSN string, graphURLs []string, n int) (*fleet, error) {
	f := &fleet{}
	for i := 1; i <= n; i++ {
		ports, err := freePorts(3)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("worker-%d", i)
		f.workers = append(f.workers, &process{name: name, path: bin, args: []string{"worker"},
			logFile: filepath.Join(workDir, name+".log"),
			env: append(append([]string{}, env...), "DATABASE_URL="+withAppName(appDSN, "rehearsal-"+name),
				"META_GRAPH_BASE_URL="+graphURLs[i-1], "METRICS_ADDR=127.0.0.1:"+ports[0])})
		name = fmt.Sprintf("api-%d", i)
		f.apis = append(f.apis, &process{name: name, path: bin, args: []string{"api"},
			logFile: filepath.Join(workDir, name+".log"),
			env: append(append([]string{}, env...), "DATABASE_URL="+withAppName(appDSN, "rehearsal-"+name),
				"META_GRAPH_BASE_URL="+graphURLs[i-1], "HTTP_ADDR=127.0.0.1:"+ports[1], "METRICS_ADDR=127.0.0.1:"+ports[2])})
		f.apiURLs = append(f.apiURLs, "http://127.0.0.1:"+ports[1])
	}
	return f, nil
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
	w := f.workers[i]
	if err := w.start(); err != nil {
		return err
	}
	identity := fmt.Sprintf("%d@", w.pid())
	return waitFor(ctx, 60*time.Second, w, func() bool {
		res, err := f.temporal.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
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
	if err := f.apis[i].start(); err != nil {
		return err
	}
	return waitFor(ctx, 60*time.Second, f.apis[i], func() bool {
		res, err := http.Get(f.apiURLs[i] + "/readyz")
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
