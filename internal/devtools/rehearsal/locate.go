package rehearsal

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/crm/channel-removal/internal/devtools/temporaldev"
)

// Locate picks the production binary and the directory for logs: inside the
// source tree, cmd/channel-removal built with -tags nodev (what the
// Dockerfile ships) into .data/bin and .data/rehearsal; outside it, this
// executable and a directory under the system's temp.
func Locate(ctx context.Context, binary string, progress io.Writer) (bin, workDir string, err error) {
	root, rootErr := temporaldev.SourceRoot()
	workDir = filepath.Join(os.TempDir(), "channel-removal-rehearsal")
	if rootErr == nil {
		workDir = filepath.Join(root, ".data", "rehearsal")
	}
	if binary != "" {
		return binary, workDir, nil
	}
	if rootErr != nil {
		exe, err := os.Executable()
		return exe, workDir, err
	}
	bin = filepath.Join(root, ".data", "bin", "channel-removal-nodev")
	fmt.Fprintf(progress, "Building the production binary (-tags nodev) into %s...\n", bin)
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "nodev", "-o", bin, "./cmd/channel-removal")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("go build -tags nodev: %v\n%s", err, out)
	}
	return bin, workDir, nil
}

// BuildB builds, beside bin, build B of the deploy phases: the production
// binary with build B's step (-tags nodev,rehearsal_b). Outside the source
// tree there is no source to build it from: "" and no error.
func BuildB(ctx context.Context, bin string, progress io.Writer) (string, error) {
	root, err := temporaldev.SourceRoot()
	if err != nil {
		return "", nil
	}
	out := bin + "-b"
	fmt.Fprintf(progress, "Building build B (-tags nodev,rehearsal_b) into %s...\n", out)
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", "nodev,rehearsal_b", "-o", out, "./cmd/channel-removal")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build -tags nodev,rehearsal_b: %v\n%s", err, b)
	}
	return out, nil
}
