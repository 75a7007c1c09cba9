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
		return bin, buildOnce(ctx, bin, progress, func(ctx context.Context, out string) *exec.Cmd {
			cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "-ldflags", versionFlag(), cliPackage)
			cmd.Dir = filepath.Join(root, "tools", "temporal")
			return cmd
		})
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
	return bin, buildOnce(ctx, bin, progress, func(ctx context.Context, out string) *exec.Cmd {
		// go install names its output after the package, so it installs into
		// a private directory that buildOnce then renames from.
		cmd := exec.CommandContext(ctx, "go", "install", "-ldflags", versionFlag(), cliPackage+"@"+CLIVersion)
		cmd.Dir = dir // outside any module: go install resolves the release's own go.mod
		cmd.Env = append(os.Environ(), "GOBIN="+out+".d", "GOFLAGS=")
		return cmd
	})
}

func versionFlag() string {
	return "-X github.com/temporalio/cli/temporalcli.Version=" + strings.TrimPrefix(CLIVersion, "v")
}

// buildOnce makes bin exist at CLIVersion: it returns at once when it does,
// else takes bin's lock, checks again (another process may have just built
// it) and runs the build into a private name that is renamed into place.
func buildOnce(ctx context.Context, bin string, progress io.Writer, build func(context.Context, string) *exec.Cmd) error {
	ctx = context.WithoutCancel(ctx) // the build and the checks around it outlive a caller's deadline
	if current(ctx, bin) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return err
	}
	unlock, err := lock(bin+".lock", progress)
	if err != nil {
		return err
	}
	defer unlock()
	if current(ctx, bin) {
		return nil
	}
	fmt.Fprintf(progress, "Building the Temporal CLI %s into %s (first run only; a few minutes with a cold Go cache)...\n", CLIVersion, bin)
	start := time.Now()
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := build(ctx, tmp)
	cmd.Stdout, cmd.Stderr = progress, progress
	err = cmd.Run()
	if gobin := tmp + ".d"; err == nil && isDir(gobin) { // go install's output
		err = os.Rename(filepath.Join(gobin, "temporal"), tmp)
		os.RemoveAll(gobin)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("build the temporal CLI (%s): %w", strings.Join(cmd.Args, " "), err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return err
	}
	fmt.Fprintf(progress, "Temporal CLI built in %s.\n", time.Since(start).Round(time.Second))
	return nil
}

// current tells whether bin runs and is CLIVersion.
func current(ctx context.Context, bin string) bool {
	out, err := exec.CommandContext(ctx, bin, "--version").Output()
	return err == nil && strings.Contains(string(out), "version "+strings.TrimPrefix(CLIVersion, "v"))
}

// lock takes an exclusive flock on path, saying so when another process holds
// it. The kernel drops the lock when its holder dies, kill -9 included.
func lock(path string, progress io.Writer) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	fd := int(f.Fd())
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); errors.Is(err, syscall.EWOULDBLOCK) {
		fmt.Fprintf(progress, "Waiting for another process that is building the Temporal CLI (%s)...\n", path)
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
