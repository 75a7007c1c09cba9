//go:build tools

// Package temporal pins the Temporal CLI that `dev` and the tests run as a
// subprocess (temporal server start-dev). It is a module of its own so that
// the CLI's dependencies (Temporal server v1.29, SDK v1.37) never constrain the
// service's module, which stays on the current SDK. Build it with
//
//	go build -C tools/temporal -o ../../.data/bin/temporal github.com/temporalio/cli/cmd/temporal
//
// (`dev` and the e2e tests do this on first use).
package temporal

import _ "github.com/temporalio/cli/cmd/temporal"
