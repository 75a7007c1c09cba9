package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// axe-core, as .ci/run installs it from npm (tools/axe, npm ci): the
// accessibility rules every screen is checked against. Nothing is fetched at
// test time.
var axeSource = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile(filepath.Join("..", "tools", "axe", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// wcagTags are the rule sets a screen must pass: WCAG 2.0 A and AA, 2.1 AA
// and 2.2 AA (Brazil's LBI takes WCAG as its yardstick).
const wcagTags = `['wcag2a', 'wcag2aa', 'wcag21aa', 'wcag22aa']`

type axeViolation struct {
	ID     string   `json:"id"`
	Impact string   `json:"impact"`
	Help   string   `json:"help"`
	Nodes  []string `json:"nodes"`
}

// audit runs axe on the page as it is and fails the test on any violation;
// it logs one line per screen (go test -v prints the report).
func (b *browser) audit(screen string) {
	b.t.Helper()
	src, err := axeSource()
	if err != nil {
		if os.Getenv("CI") == "true" {
			b.t.Fatalf("axe-core is missing (%v): .ci/run installs it with npm ci --prefix tools/axe", err)
		}
		b.t.Logf("axe %s: skipped, axe-core not installed (npm ci --prefix tools/axe)", screen)
		return
	}
	if b.eval(`String(typeof window.axe)`) == "undefined" {
		b.eval(`(function(){` + src + `; return 'loaded'})()`)
	}
	raw := b.eval(`axe.run(document, {runOnly: {type: 'tag', values: ` + wcagTags + `}, resultTypes: ['violations']})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			nodes: v.nodes.slice(0, 4).map(n => n.target.join(' ') + ': ' + (n.failureSummary || '').replace(/\s+/g, ' '))}))))`)
	var vs []axeViolation
	if err := json.Unmarshal([]byte(raw), &vs); err != nil {
		b.t.Fatalf("axe %s: %v (%s)", screen, err, raw)
	}
	width := b.eval(`String(window.innerWidth)`)
	b.t.Logf("axe %s at %s px (WCAG 2.2 AA): %d violations", screen, width, len(vs))
	for _, v := range vs {
		b.t.Errorf("axe %s at %s px: %s (%s): %s\n\t%s", screen, width, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
	}
}
