package temporaldev

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// ServerVersion is the Temporal server that tools/temporal-server/go.mod pins
// and docker-compose.yml runs (temporalio/server and temporalio/admin-tools).
const ServerVersion = "v1.29.1"

// ClusterBinaries are a real Temporal server and its SQL schema tool, for
// the production rehearsal.
type ClusterBinaries struct {
	Server, SQLTool string
}

var clusterTools = []struct {
	tool
	pkg, file string
}{
	{tool{"the Temporal server", ServerVersion}, "go.temporal.io/server/cmd/server", "temporal-server"},
	{tool{"the Temporal SQL schema tool", ServerVersion}, "go.temporal.io/server/cmd/tools/sql", "temporal-sql-tool"},
}

// Cluster returns the server and the schema tool at ServerVersion: inside
// the source tree built from tools/temporal-server into .data/bin, outside
// it installed with `go install` into the user's cache directory. Builds hold
// a file lock as the CLI's do.
func Cluster(ctx context.Context, progress io.Writer) (ClusterBinaries, error) {
	if progress == nil {
		progress = io.Discard
	}
	var bins []string
	for _, t := range clusterTools {
		var bin string
		var build func(context.Context, string) *exec.Cmd
		if root, err := sourceRoot(); err == nil {
			bin = filepath.Join(root, ".data", "bin", t.file)
			build = goBuild(filepath.Join(root, "tools", "temporal-server"), t.pkg)
		} else {
			cache, err := os.UserCacheDir()
			if err != nil {
				return ClusterBinaries{}, fmt.Errorf("no source tree and no cache directory: %w", err)
			}
			dir := filepath.Join(cache, "channel-removal", "temporal-server-"+ServerVersion)
			bin = filepath.Join(dir, t.file)
			build = goInstall(dir, t.pkg+"@"+ServerVersion)
		}
		if err := buildOnce(ctx, t.tool, bin, progress, build); err != nil {
			return ClusterBinaries{}, err
		}
		bins = append(bins, bin)
	}
	return ClusterBinaries{Server: bins[0], SQLTool: bins[1]}, nil
}
