package openapi

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestAPathInTwoFilesIsRefused: files merge their objects, and a route or
// component two files both write is an error, not a silent overwrite.
func TestAPathInTwoFilesIsRefused(t *testing.T) {
	a := "paths:\n  /a:\n    get: {summary: a}\n"
	if _, err := bundle(fstest.MapFS{"1.yaml": {Data: []byte(a)}, "2.yaml": {Data: []byte("paths:\n  /b:\n    get: {summary: b}\n")}}); err != nil {
		t.Fatal(err)
	}
	_, err := bundle(fstest.MapFS{"1.yaml": {Data: []byte(a)}, "2.yaml": {Data: []byte("paths:\n  /a:\n    get: {summary: again}\n")}})
	if err == nil || !strings.Contains(err.Error(), "summary") {
		t.Fatalf("the same operation in two files: %v", err)
	}
}
