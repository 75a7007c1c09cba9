package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The production build (-tags nodev, as the Dockerfile builds it) carries
// none of the developer's tools (internal/devtools: the embedded Temporal,
// the demo seed, the Graph simulator, the benchmark, the rehearsal and the
// test fakes).
func TestProductionBuildLeavesTheDevToolsOut(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "nodev", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/crm/channel-removal/internal/devtools/") {
			t.Errorf("the production build imports %s", dep)
		}
	}
}
