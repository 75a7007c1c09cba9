// Package temporaldev runs a real Temporal dev server (frontend, history,
// matching, Temporal Web), persisted in a SQLite file, as a child process: the
// Temporal CLI's `server start-dev`, built from tools/temporal (a module of its
// own, so the CLI's server and SDK versions never pin this module's SDK). It
// exists for `channel-removal dev` and the integration tests; the same binary
// is the `temporal` CLI that ops use against dev.
package temporaldev

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// Options configures the server. Zero UIPort means no Temporal Web.
type Options struct {
	Host             string
	Port             int
	UIPort           int
	DBFile           string // empty: in-memory
	Namespace        string
	SearchAttributes []string // "Name" (a Keyword) or "Name=Type"
	// Binary is the temporal CLI; empty means Binary(), built on first use.
	Binary string
	// Output receives the server's own log (nil: discarded). `dev` writes it
	// to a file: its shutdown noise is not the user's business.
	Output io.Writer
	// Progress receives one line per slow step (building the CLI).
	Progress io.Writer
	// Journal is how the SQLite file commits; zero is JournalWAL.
	Journal Journal
	// DynamicConfig adds "key=value" settings to the server's.
	DynamicConfig []string
	// UICodecEndpoint is Temporal Web's codec server (dev's), so that it
	// shows encrypted payloads decrypted.
	UICodecEndpoint string
}

// Journal is the SQLite commit mode of the server's state file.
type Journal string

const (
	// JournalWAL is a write-ahead log with synchronous=NORMAL: a commit is
	// one append to the log, synced at checkpoints rather than per
	// transaction. The server persists every workflow task, timer and update
	// through one connection, so the per-commit syncs of the default mode are
	// what 50 concurrent removals queue behind. A crashed or kill -9'd
	// process loses nothing (the log is in the file system); a power cut or
	// kernel crash may lose the last commits, which a dev server may.
	JournalWAL Journal = "wal"
	// JournalFull is SQLite's (and the CLI's) default: rollback journal,
	// synchronous=FULL, every commit synced to disk. Kept to compare with.
	JournalFull Journal = "full"
)

// pragmas are the `--sqlite-pragma` flags for j.
func (j Journal) pragmas() ([]string, error) {
	switch j {
	case "", JournalWAL:
		return []string{"--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL"}, nil
	case JournalFull:
		return nil, nil
	}
	return nil, fmt.Errorf("unknown SQLite journal %q (want %q or %q)", j, JournalWAL, JournalFull)
}

// Server is a running Temporal dev server.
type Server struct {
	cmd     *exec.Cmd
	done    chan struct{}
	Address string
	UIURL   string
	Binary  string
}

// Start launches the server and returns once its frontend answers and the
// namespace is registered.
func Start(ctx context.Context, o Options) (*Server, error) {
	if o.Host == "" {
		o.Host = "127.0.0.1"
	}
	if o.Namespace == "" {
		o.Namespace = "default"
	}
	if o.Port == 0 {
		p, err := FreePort(o.Host)
		if err != nil {
			return nil, err
		}
		o.Port = p
	}
	if o.Binary == "" {
		bin, err := Binary(ctx, o.Progress)
		if err != nil {
			return nil, err
		}
		o.Binary = bin
	}
	addr := net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
		c.Close()
		return nil, fmt.Errorf("port %s is already in use (another `dev` or Temporal running?); set TEMPORAL_PORT or stop it", addr)
	}
	args := []string{"server", "start-dev", "--ip", o.Host, "--port", strconv.Itoa(o.Port), "--namespace", o.Namespace,
		"--log-level", "warn",
		// A workflow task that schedules an activity gets the activity task
		// back in its answer when the worker has a free slot: no trip
		// through matching (off by default in the server; SDK workers ask).
		"--dynamic-config-value", "system.enableActivityEagerExecution=true",
		// Every e2e test polls a task queue of its own, all under one build
		// of the deployment channel-removal: past the default 100 queues a
		// version refuses new ones.
		"--dynamic-config-value", "matching.maxTaskQueuesInDeploymentVersion=100000",
		// A build that stopped being current is reported drained once no
		// pinned run is open on it: checked every 10 s here, not every 3 min,
		// so `ops versions` in dev (and the tests) says so soon.
		"--dynamic-config-value", `matching.wv.VersionDrainageStatusVisibilityGracePeriod="10s"`,
		"--dynamic-config-value", `matching.wv.VersionDrainageStatusRefreshInterval="10s"`}
	for _, kv := range o.DynamicConfig {
		args = append(args, "--dynamic-config-value", kv)
	}
	for _, name := range o.SearchAttributes {
		if !strings.Contains(name, "=") {
			name += "=Keyword"
		}
		args = append(args, "--search-attribute", name)
	}
	s := &Server{Address: addr, Binary: o.Binary, done: make(chan struct{})}
	if o.UIPort != 0 {
		args = append(args, "--ui-ip", o.Host, "--ui-port", strconv.Itoa(o.UIPort))
		if o.UICodecEndpoint != "" {
			args = append(args, "--ui-codec-endpoint", o.UICodecEndpoint)
		}
		s.UIURL = fmt.Sprintf("http://%s:%d", o.Host, o.UIPort)
	} else {
		args = append(args, "--headless")
	}
	if o.DBFile != "" {
		if err := os.MkdirAll(filepath.Dir(o.DBFile), 0o755); err != nil {
			return nil, fmt.Errorf("temporal state directory: %w", err)
		}
		args = append(args, "--db-filename", o.DBFile)
		pragmas, err := o.Journal.pragmas()
		if err != nil {
			return nil, err
		}
		args = append(args, pragmas...)
	}
	cmd := exec.Command(o.Binary, args...)
	out := o.Output
	if out == nil {
		out = io.Discard
	}
	cmd.Stdout, cmd.Stderr = out, out
	// The server must not outlive us, even after kill -9: the kernel kills it
	// when we die. Its state is in the SQLite file, which survives either way.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.Binary, err)
	}
	s.cmd = cmd
	go func() { cmd.Wait(); close(s.done) }()
	if err := s.waitReady(ctx, o.Namespace, 60*time.Second); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

func (s *Server) waitReady(ctx context.Context, namespace string, within time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var last error
	for {
		select {
		case <-s.done:
			return fmt.Errorf("temporal dev server exited at start (%v); is TEMPORAL_DB_FILE locked by another process?", s.cmd.ProcessState)
		case <-ctx.Done():
			return fmt.Errorf("temporal dev server at %s not ready after %s: %v", s.Address, within, last)
		case <-time.After(150 * time.Millisecond):
		}
		c, err := client.NewLazyClient(client.Options{HostPort: s.Address, Namespace: namespace, Logger: quiet{}})
		if err != nil {
			last = err
			continue
		}
		_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
		c.Close()
		if err == nil {
			return nil
		}
		last = err
	}
}

// Stop asks the server to shut down and waits for it (killing it after 10 s).
func (s *Server) Stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// Kill stops the server the hard way (tests of crash recovery).
func (s *Server) Kill() {
	if s.cmd != nil && s.cmd.Process != nil {
		s.cmd.Process.Kill()
		<-s.done
	}
}

// FreePort asks the kernel for a free TCP port on host.
func FreePort(host string) (int, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// quiet keeps the SDK's readiness probes out of the logs.
type quiet struct{}

func (quiet) Debug(string, ...any) {}
func (quiet) Info(string, ...any)  {}
func (quiet) Warn(string, ...any)  {}
func (quiet) Error(string, ...any) {}

// PID is the server process's id.
func (s *Server) PID() int { return s.cmd.Process.Pid }
