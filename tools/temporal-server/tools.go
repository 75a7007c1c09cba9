//go:build tools

// Package temporalserver pins the Temporal server and its SQL schema tool
// that `rehearse` runs as a real cluster on Postgres (persistence and
// visibility), the same release docker-compose.yml runs. A module of its own,
// like tools/temporal, so the server's dependencies never constrain the
// service's. `rehearse` builds both on first use into .data/bin:
//
//	go build -C tools/temporal-server -o ../../.data/bin/temporal-server go.temporal.io/server/cmd/server
//	go build -C tools/temporal-server -o ../../.data/bin/temporal-sql-tool go.temporal.io/server/cmd/tools/sql
package temporalserver

import (
	_ "go.temporal.io/server/cmd/server"
	_ "go.temporal.io/server/cmd/tools/sql"
)
