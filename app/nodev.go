//go:build nodev

package app

import (
	"context"
	"errors"
	"io"

	"github.com/crm/channel-removal/config"
)

// Dev is absent from production builds (-tags nodev).
func Dev(context.Context, config.Config, io.Writer, bool) error {
	return errors.New("this binary was built with -tags nodev and has no embedded Temporal; use `go run ./cmd/channel-removal dev` from the source tree")
}
