package main

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// plainOnly are the constructors of a stack without the payload codec (or
// with dev's public key) or without tracing: the bench's baseline and the
// tests'. A process that serves anyone dials with DialTemporalConfig (the
// configured key) and opens with postgres.Open.
var plainOnly = map[string]bool{"DialTemporalPlain": true, "DialTemporalMetered": true, "DialTemporal": true,
	"DevCodec": true, "OpenUntraced": true, "plainClientOptions": true, "dialLoopback": true}

// The production build (-tags nodev) calls none of plainOnly outside the
// constructors themselves, so no process that serves anyone can end up
// writing personal data to Temporal in plaintext, or under dev's key, by
// calling the wrong one.
func TestProductionBuildNeverDialsWithoutTheCodec(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "nodev", "-f",
		`{{if not .Standard}}{{.ImportPath}}|{{.Dir}}|{{join .GoFiles ","}}{{end}}`, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	fset := gotoken.NewFileSet()
	for _, line := range strings.Fields(string(out)) {
		parts := strings.SplitN(line, "|", 3)
		if len(parts) != 3 || !strings.HasPrefix(parts[0], "github.com/crm/channel-removal") || parts[2] == "" {
			continue
		}
		for _, name := range strings.Split(parts[2], ",") {
			f, err := parser.ParseFile(fset, filepath.Join(parts[1], name), nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, decl := range f.Decls {
				if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && (plainOnly[fn.Name.Name] || fn.Name.Name == "clientOptions") {
					continue // the constructors are built from each other; clientOptions adds the codec it is given
				}
				ast.Inspect(decl, func(n ast.Node) bool {
					id, ok := n.(*ast.Ident) // pkg.Name's Name is one too
					if ok && plainOnly[id.Name] {
						if vs, ok := decl.(*ast.GenDecl); ok && vs.Tok == gotoken.VAR && id.Name == "DevCodec" && isDeclared(vs, id) {
							return true
						}
						t.Errorf("%s: the production build refers to %s", fset.Position(id.Pos()), id.Name)
					}
					return true
				})
			}
		}
	}
}

// isDeclared says whether id is a name the var declaration declares.
func isDeclared(d *ast.GenDecl, id *ast.Ident) bool {
	for _, s := range d.Specs {
		if vs, ok := s.(*ast.ValueSpec); ok {
			for _, n := range vs.Names {
				if n == id {
					return true
				}
			}
		}
	}
	return false
}
