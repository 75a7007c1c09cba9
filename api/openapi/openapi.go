// Package openapi holds the API's contract, OpenAPI 3.1 (SPEC §9): YAML
// files written and kept by hand, one per area, embedded in the binary and
// served as one JSON document at GET /openapi.json. Tests check the real
// handlers against it (api's route test, e2e's validating HTTP helper) and
// an outside linter checks the document itself (lint_test.go).
package openapi

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var files embed.FS

var bundled = sync.OnceValues(func() ([]byte, error) { return bundle(files) })

// JSON is the whole document: every file's paths and components merged.
func JSON() ([]byte, error) { return bundled() }

// bundle merges the YAML files of fsys, in name order, into one document. A
// key two files both set to other than an object is an error: every route
// and component lives in one file.
func bundle(fsys fs.FS) ([]byte, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	doc := map[string]any{}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var part map[string]any
		if err := yaml.Unmarshal(raw, &part); err != nil {
			return nil, fmt.Errorf("openapi: %s: %w", name, err)
		}
		if err := merge(doc, part, name); err != nil {
			return nil, err
		}
	}
	return json.MarshalIndent(doc, "", "  ")
}

func merge(into, from map[string]any, where string) error {
	for k, v := range from {
		old, exists := into[k]
		if !exists {
			into[k] = v
			continue
		}
		a, aMap := old.(map[string]any)
		b, bMap := v.(map[string]any)
		if !aMap || !bMap {
			return fmt.Errorf("openapi: %s sets %q, set elsewhere already", where, k)
		}
		if err := merge(a, b, where+": "+k); err != nil {
			return err
		}
	}
	return nil
}
