// Package rehearsal runs the production shape on one machine with real
// processes: a Temporal server built from source with persistence and
// visibility on Postgres, two workers and two APIs of the production binary,
// kills in the middle of removals, and a table of what came out.
package rehearsal

import (
	"context"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	temporalfiles "github.com/crm/channel-removal/deploy/temporal"
	"github.com/crm/channel-removal/internal/devtools/temporaldev"
	"github.com/crm/channel-removal/postgres"
)

// Cluster is a Temporal server on Postgres, set up as production sets one up:
// both schemas by temporal-sql-tool, the namespace and search attributes by
// the CLI through the operator API (deploy/temporal/setup.sh).
type Cluster struct {
	Address string
	// TLS is the mTLS every client of the cluster needs.
	TLS  pki
	proc *process
	env  []string
	dir  string
}

// StoreNames are the persistence and visibility stores the cluster reports
// of itself (GetClusterInfo): "postgres12" for both here, "sqlite" for the
// dev server.
func StoreNames(ctx context.Context, c client.Client) (persistence, visibility string, err error) {
	info, err := c.WorkflowService().GetClusterInfo(ctx, &workflowservice.GetClusterInfoRequest{})
	if err != nil {
		return "", "", err
	}
	return info.GetPersistenceStore(), info.GetVisibilityStore(), nil
}

// startCluster creates the databases <prefix>_temporal and
// <prefix>_temporal_visibility afresh, sets them up and starts the server.
func startCluster(ctx context.Context, pg, prefix, workDir string, progress io.Writer) (*Cluster, error) {
	bins, err := temporaldev.Cluster(ctx, progress)
	if err != nil {
		return nil, err
	}
	cli, err := temporaldev.Binary(ctx, progress)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(workDir, "temporal")
	if err := temporalfiles.WriteTo(dir); err != nil {
		return nil, err
	}
	if err := appendFile(filepath.Join(dir, "dynamicconfig.yaml"), rehearsalDynamicConfig); err != nil {
		return nil, err
	}
	u, err := parsePG(pg)
	if err != nil {
		return nil, err
	}
	dbs := []string{prefix + "_temporal", prefix + "_temporal_visibility"}
	if err := freshDatabases(ctx, pg, false, dbs...); err != nil {
		return nil, err
	}
	ports, err := freeLowPorts(9)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Address: "127.0.0.1:" + ports[0], dir: dir}
	if c.TLS, err = newPKI(filepath.Join(workDir, "tls")); err != nil {
		return nil, err
	}
	c.env = append(os.Environ(),
		"PATH="+filepath.Dir(bins.SQLTool)+string(os.PathListSeparator)+filepath.Dir(cli)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"POSTGRES_SEEDS="+u.host, "DB_PORT="+u.port, "POSTGRES_USER="+u.user, "POSTGRES_PWD="+u.password,
		"DBNAME="+dbs[0], "VISIBILITY_DBNAME="+dbs[1], "BIND_ON_IP=127.0.0.1",
		"FRONTEND_GRPC_PORT="+ports[0], "FRONTEND_HTTP_PORT="+ports[1], "FRONTEND_MEMBERSHIP_PORT="+ports[2],
		"HISTORY_GRPC_PORT="+ports[3], "HISTORY_MEMBERSHIP_PORT="+ports[4],
		"MATCHING_GRPC_PORT="+ports[5], "MATCHING_MEMBERSHIP_PORT="+ports[6],
		"WORKER_GRPC_PORT="+ports[7], "WORKER_MEMBERSHIP_PORT="+ports[8],
		"DYNAMIC_CONFIG_FILE_PATH="+filepath.Join(dir, "dynamicconfig.yaml"),
		"TEMPORAL_ADDRESS="+c.Address, "TEMPORAL_NAMESPACE=default", "LOG_LEVEL=warn",
		"SQL_MAX_CONNS=10", "SQL_VIS_MAX_CONNS=4")
	c.env = append(append(c.env, c.TLS.serverEnv()...), c.TLS.clientEnv()...) // the server's, and the setup CLI's
	fmt.Fprintf(progress, "Temporal %s on Postgres: schemas of %s and %s...\n", temporaldev.ServerVersion, dbs[0], dbs[1])
	if err := c.setup(ctx, "schema"); err != nil {
		return nil, err
	}
	c.proc = &process{name: "temporal-server", path: bins.Server, env: c.env,
		args:    []string{"--root", dir, "--config", "config", "--env", "production", "--allow-no-auth", "start"},
		logFile: filepath.Join(workDir, "temporal-server.log")}
	if err := c.proc.start(); err != nil {
		return nil, err
	}
	fmt.Fprintf(progress, "Temporal server started at %s (log %s); namespace and search attributes...\n", c.Address, c.proc.logFile)
	if err := waitFor(ctx, 2*time.Minute, c.proc, func() bool {
		conn, err := net.DialTimeout("tcp", c.Address, time.Second)
		if err == nil {
			conn.Close()
		}
		return err == nil
	}); err != nil {
		c.Stop()
		return nil, err
	}
	if err := c.setup(ctx, "namespace"); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

func (c *Cluster) setup(ctx context.Context, step string) error {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", filepath.Join(c.dir, "setup.sh"), step)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("deploy/temporal/setup.sh %s: %v\n%s", step, err, out)
	}
	return nil
}

// Stop ends the server.
func (c *Cluster) Stop() {
	if c.proc != nil {
		c.proc.stop()
	}
}

type pgURL struct{ host, port, user, password string }

func parsePG(dsn string) (pgURL, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return pgURL{}, err
	}
	p := pgURL{host: u.Hostname(), port: u.Port(), user: u.User.Username()}
	p.password, _ = u.User.Password()
	if p.port == "" {
		p.port = "5432"
	}
	if p.user == "" {
		p.user = "postgres"
	}
	return p, nil
}

// freshDatabases drops the named databases of an earlier run on pg's server
// and, when create is set, creates them empty.
func freshDatabases(ctx context.Context, pg string, create bool, names ...string) error {
	for _, n := range names {
		dsn, err := postgres.WithDatabaseName(pg, n)
		if err != nil {
			return err
		}
		if _, err := postgres.DropDatabase(ctx, dsn); err != nil {
			return fmt.Errorf("drop %s: %w", n, err)
		}
		if create {
			if err := postgres.EnsureDatabase(ctx, dsn); err != nil {
				return fmt.Errorf("create %s: %w", n, err)
			}
		}
	}
	return nil
}

func freePorts(n int) ([]string, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var ports []string
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		ports = append(ports, strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	}
	return ports, nil
}

// freeLowPorts finds n free ports below 32768: the server stores its
// membership ports in a smallint column, and the kernel's ephemeral ports
// lie above it.
func freeLowPorts(n int) ([]string, error) {
	var ports []string
	base := 20000 + mathrand.IntN(10000)
	for p := base; p < 32768 && len(ports) < n; p++ {
		l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			continue
		}
		l.Close()
		ports = append(ports, strconv.Itoa(p))
	}
	if len(ports) < n {
		return nil, fmt.Errorf("no %d free ports between %d and 32767", n, base)
	}
	return ports, nil
}

// rehearsalDynamicConfig: a build that stopped being current is reported
// drained within seconds, not the production shape's minutes, so the deploy
// phase can wait for it.
const rehearsalDynamicConfig = `
# rehearsal only
matching.wv.VersionDrainageStatusVisibilityGracePeriod:
  - value: 5s
matching.wv.VersionDrainageStatusRefreshInterval:
  - value: 5s
`

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
