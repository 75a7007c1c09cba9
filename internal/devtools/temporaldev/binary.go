package temporaldev

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// CLIVersion is the Temporal CLI that tools/temporal/go.mod pins: the last
// release whose module can be built with `go build` or `go install …@version`
// (later ones carry replace directives).
const CLIVersion = "v1.5.1"

const cliPackage = "github.com/temporalio/cli/cmd/temporal"

// tool is a binary built from one of the tools/ modules: what progress lines
// call it, and the version its --version must print.
type tool struct {
	name, version string
}

var cliTool = tool{name: "the Temporal CLI", version: CLIVersion}

// Binary returns the temporal CLI to run, in this order:
//
//  1. TEMPORAL_CLI, when set;
//  2. inside the source tree: .data/bin/temporal, built from tools/temporal
//     (its go.sum pins every dependency);
//  3. outside it: a `temporal` on PATH, else the pinned release installed
//     with `go install` into the user's cache directory.
//
// A build holds a file lock beside its output, so concurrent first runs (go
// test runs packages in parallel) build once and the others wait for it. The
// build ignores ctx's deadline: a cold build takes minutes, and a caller's
// short deadline would only kill it halfway for the next caller to restart.
func Binary(ctx context.Context, progress io.Writer) (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	if progress == nil {
		progress = io.Discard
	}
	if root, err := sourceRoot(); err == nil {
		bin := BinaryPath(root)
		return bin, buildOnce(ctx, cliTool, bin, progress, goBuild(filepath.Join(root, "tools", "temporal"), cliPackage, "-ldflags", versionFlag()))
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no source tree, no `temporal` on PATH and no cache directory (%v): set TEMPORAL_CLI to a temporal binary", err)
	}
	dir := filepath.Join(cache, "channel-removal", "temporal-"+CLIVersion)
	bin := filepath.Join(dir, "temporal")
	return bin, buildOnce(ctx, cliTool, bin, progress, goInstall(dir, cliPackage+"@"+CLIVersion, "-ldflags", versionFlag()))
}

// goInstall installs a release outside any module (go install resolves the
// release's own go.mod). go install names its output after the package, so
// it installs into a private directory that buildOnce then renames from.
func goInstall(dir, pkgAtVersion string, flags ...string) func(context.Context, string) *exec.Cmd {
	return func(ctx context.Context, out string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "go", append(append([]string{"install"}, flags...), pkgAtVersion)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOBIN="+out+".d", "GOFLAGS=")
		return cmd
	}
}

// goBuild builds pkg inside one of the tools/ modules, whose go.sum pins
// every dependency.
func goBuild(dir, pkg string, flags ...string) func(context.Context, string) *exec.Cmd {
	return func(ctx context.Context, out string) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "go", append(append([]string{"build", "-o", out}, flags...), pkg)...)
		cmd.Dir = dir
		return cmd
	}
}

func versionFlag() string {
	return "-X github.com/temporalio/cli/temporalcli.Version=" + strings.TrimPrefix(CLIVersion, "v")
}

// buildOnce makes bin exist at t's version: it returns at once when it does,
// else takes bin's lock, checks again (another process may have just built
// it) and runs the build into a private name that is renamed into place.
func buildOnce(ctx context.Context, t tool, bin string, progress io.Writer, build func(context.Context, string) *exec.Cmd) error {
	ctx = context.WithoutCancel(ctx) // the build and the checks around it outlive a caller's deadline
	if t.current(ctx, bin) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return err
	}
	unlock, err := lock(bin+".lock", t.name, progress)
	if err != nil {
		return err
	}
	defer unlock()
	if t.current(ctx, bin) {
		return nil
	}
	fmt.Fprintf(progress, "Building %s %s into %s (first run only; a few minutes with a cold Go cache)...\n", t.name, t.version, bin)
	start := time.Now()
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := build(ctx, tmp)
	cmd.Stdout, cmd.Stderr = progress, progress
	err = cmd.Run()
	if gobin := tmp + ".d"; err == nil && isDir(gobin) { // go install's output: one file
		var files []os.DirEntry
		if files, err = os.ReadDir(gobin); err == nil && len(files) == 1 {
			err = os.Rename(filepath.Join(gobin, files[0].Name()), tmp)
		} else if err == nil {
			err = fmt.Errorf("go install left %d files in %s", len(files), gobin)
		}
		os.RemoveAll(gobin)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("build %s (%s): %w", t.name, strings.Join(cmd.Args, " "), err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return err
	}
	fmt.Fprintf(progress, "Built %s in %s.\n", t.name, time.Since(start).Round(time.Second))
	return nil
}

// current tells whether bin runs and is t's version.
func (t tool) current(ctx context.Context, bin string) bool {
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	return err == nil && strings.Contains(string(out), "version "+strings.TrimPrefix(t.version, "v"))
}

// lock takes an exclusive flock on path, saying so when another process holds
// it. The kernel drops the lock when its holder dies, kill -9 included.
func lock(path, what string, progress io.Writer) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); errors.Is(err, syscall.EWOULDBLOCK) {
		fmt.Fprintf(progress, "Waiting for another process that is building %s (%s)...\n", what, path)
		err = syscall.Flock(fd, syscall.LOCK_EX)
		if err != nil {
			f.Close()
			return nil, err
		}
	} else if err != nil {
		f.Close()
		return nil, err
	}
	return func() { syscall.Flock(fd, syscall.LOCK_UN); f.Close() }, nil
}

var errNoRoot = errors.New("not inside the source tree (tools/temporal/go.mod)")

func isDir(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}

// BinaryPath is where the CLI lives in a source tree; `dev` prints how to put
// it on PATH as `temporal`.
func BinaryPath(root string) string {
	return filepath.Join(root, ".data", "bin", "temporal")
}

// SourceRoot is the repository root when this process runs inside the
// source tree (go run, go test, a binary built into the tree).
func SourceRoot() (string, error) { return sourceRoot() }

// sourceRoot finds the repository root from the working directory (the
// module root, or a package directory inside it, as under `go test`), else
// from the running executable's directory (a binary built into the tree).
func sourceRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, dir := range starts {
		for {
			if _, err := os.Stat(filepath.Join(dir, "tools", "temporal", "go.mod")); err == nil {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", errNoRoot
}
