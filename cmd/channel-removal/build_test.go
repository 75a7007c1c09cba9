package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The production build (-tags nodev, as the Dockerfile builds it) carries
// none of the developer's tools: no embedded Temporal, demo seed, Graph
// simulator or benchmark.
func TestProductionBuildLeavesTheDevToolsOut(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "nodev", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range []string{"/bench", "/seed", "/metagraph/graphsim", "/temporaldev"} {
		for _, dep := range strings.Fields(string(out)) {
			if dep == "github.com/crm/channel-removal"+pkg {
				t.Errorf("the production build imports %s", dep)
			}
		}
	}
}
