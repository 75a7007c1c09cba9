// Package temporal holds the Temporal server's configuration for the
// production shape, committed once: docker-compose.yml mounts these files and
// `channel-removal rehearse` writes them out from this embedding, so both run
// the same server configuration, dynamic config and setup steps.
package temporal

import (
	"embed"
	"io/fs"
	"os"
	"path/filepath"
)

//go:embed config/production.yaml dynamicconfig.yaml setup.sh
var files embed.FS

// WriteTo copies the files into dir (config/production.yaml,
// dynamicconfig.yaml, setup.sh), for a server run outside the source tree.
func WriteTo(dir string) error {
	return fs.WalkDir(files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		out := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o755)
	})
}
