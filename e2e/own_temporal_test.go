package e2e

import (
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/workflows"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
)

// Temporal servers for the tests: the package's shared one, a test's own
// (stopped, restarted or killed by that test), and one that never answers.

// ownServer is a Temporal dev server of one test's own, on its own port and
// SQLite file, for a test that stops or kills its server.
type ownServer struct {
	port   int
	dbFile string
	srv    *temporaldev.Server
}

// ownTemporal gives the stack a Temporal server of its own (call it before
// start), stopped when the test ends.
func (s *stack) ownTemporal() {
	s.t.Helper()
	s.own = newOwnServer(s.t)
	s.addr = s.own.srv.Address
}

// newOwnServer starts a Temporal dev server of the test's own: for a test
// that restarts it, or whose worker is another build than this test
// binary's (its deployment's first).
func newOwnServer(t *testing.T) *ownServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &ownServer{port: ln.Addr().(*net.TCPAddr).Port, dbFile: filepath.Join(t.TempDir(), "temporal.db")}
	ln.Close()
	o.start(t)
	t.Cleanup(func() {
		if o.srv != nil {
			o.srv.Stop()
		}
	})
	return o
}

func (o *ownServer) start(t *testing.T) {
	t.Helper()
	srv, err := temporaldev.Start(context.Background(), temporaldev.Options{Port: o.port, DBFile: o.dbFile,
		SearchAttributes: workflows.SearchAttributeNames, Progress: io.Discard,
		// One partition per task queue: a change of the deployment's current
		// build reaches it at once, where four partitions learn it one by
		// one and a run started meanwhile may land on the old build.
		DynamicConfig: []string{"matching.numTaskqueueReadPartitions=1", "matching.numTaskqueueWritePartitions=1"}})
	if err != nil {
		t.Fatal(err)
	}
	o.srv = srv
}

// restartTemporal starts the stack's own server again, on the same file.
func (s *stack) restartTemporal() {
	s.t.Helper()
	s.own.start(s.t)
	s.addr = s.own.srv.Address
}

func startTemporal() error {
	srv, err := temporaldev.Start(context.Background(), temporaldev.Options{Port: temporalPort, DBFile: temporalDBFile,
		SearchAttributes: workflows.SearchAttributeNames, Progress: os.Stderr})
	if err != nil {
		return err
	}
	temporalSrv, temporalAddr = srv, srv.Address
	return nil
}

// unreachableTemporal is a client of a Temporal that never answers, closed
// when the test ends.
func unreachableTemporal(t *testing.T) client.Client {
	t.Helper()
	dead, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Logger: sdklog.NewStructuredLogger(quietLog()),
		ConnectionOptions: client.ConnectionOptions{GetSystemInfoTimeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(dead.Close)
	return dead
}
