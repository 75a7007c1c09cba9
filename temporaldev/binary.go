package temporaldev

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// CLIVersion is the Temporal CLI that tools/temporal/go.mod pins: the last
// release whose module can be built with `go build` (later ones carry replace
// directives).
const CLIVersion = "v1.5.1"

// Binary returns the path of the temporal CLI, building it from tools/temporal
// into .data/bin on first use (a few minutes cold, then cached). TEMPORAL_CLI
// overrides it with an existing binary.
func Binary(ctx context.Context, progress io.Writer) (string, error) {
	if p := os.Getenv("TEMPORAL_CLI"); p != "" {
		return p, nil
	}
	root, err := sourceRoot()
	if err != nil {
		return "", err
	}
	bin := BinaryPath(root)
	if out, err := exec.CommandContext(ctx, bin, "--version").Output(); err == nil && strings.Contains(string(out), "version "+strings.TrimPrefix(CLIVersion, "v")) {
		return bin, nil
	}
	if progress == nil {
		progress = io.Discard
	}
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		return "", err
	}
	fmt.Fprintf(progress, "Building the Temporal CLI %s into %s (first run only; ~3-4 min cold)...\n", CLIVersion, bin)
	start := time.Now()
	// Build to a private name, then rename: concurrent first runs never see half a binary.
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := exec.CommandContext(ctx, "go", "build", "-o", tmp,
		"-ldflags", "-X github.com/temporalio/cli/temporalcli.Version="+strings.TrimPrefix(CLIVersion, "v"),
		"github.com/temporalio/cli/cmd/temporal")
	cmd.Dir = filepath.Join(root, "tools", "temporal")
	cmd.Stdout, cmd.Stderr = progress, progress
	if err := cmd.Run(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("build the temporal CLI (go build in tools/temporal): %w", err)
	}
	if err := os.Rename(tmp, bin); err != nil {
		return "", err
	}
	fmt.Fprintf(progress, "Temporal CLI built in %s.\n", time.Since(start).Round(time.Second))
	return bin, nil
}

// BinaryPath is where the CLI lives in a source tree; `dev` prints how to put
// it on PATH as `temporal`.
func BinaryPath(root string) string {
	return filepath.Join(root, ".data", "bin", "temporal")
}

// sourceRoot finds the repository root from the working directory (the
// module root, or a package directory inside it, as under `go test`).
func sourceRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "tools", "temporal", "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errNoRoot
		}
		dir = parent
	}
}
