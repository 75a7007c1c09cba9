package temporaldev

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Parallel first runs (go test runs packages at once) build the CLI once,
// and a caller's deadline shorter than the build does not kill it: the build
// here takes longer than every caller's context allows.
func TestBuildOnceUnderALockAndNoCallerDeadline(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "bin", "temporal")
	var builds atomic.Int32
	fakeBuild := func(ctx context.Context, out string) *exec.Cmd {
		builds.Add(1)
		script := fmt.Sprintf("sleep 0.5; printf '#!/bin/sh\\necho temporal version %s\\n' > %q && chmod +x %q", CLIVersion[1:], out, out)
		return exec.CommandContext(ctx, "sh", "-c", script)
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			errs[i] = buildOnce(ctx, cliTool, bin, io.Discard, fakeBuild)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("caller %d: %v", i, err)
		}
	}
	if n := builds.Load(); n != 1 {
		t.Fatalf("%d builds, want 1", n)
	}
	if !cliTool.current(context.Background(), bin) {
		t.Fatal("the built binary is not the pinned version")
	}
}
