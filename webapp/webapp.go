// Package webapp holds the CRM admin's screens (SPEC §6): static HTML, CSS and
// ES modules embedded in the binary and served by the API on the same origin.
// There is no build step: the browser loads the modules as they are, and they
// drive the same /v1 API as any other client.
package webapp

import (
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// Files is the web app's file tree: index.html and assets/.
func Files() fs.FS {
	sub, err := fs.Sub(static, "static")
	if err != nil {
		panic(err) // the embedded tree is fixed at build time
	}
	return sub
}
