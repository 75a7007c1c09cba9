// Package postgres adapts the domain to PostgreSQL through sqlx and lib/pq.
package postgres

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"

	"github.com/XSAM/otelsql"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"

	"github.com/crm/channel-removal/domain"
)

// Store is the app database.
type Store struct {
	db    *sqlx.DB
	stmts *statements
}

// New wraps an open database.
func New(db *sqlx.DB) *Store { return &Store{db: db, stmts: &statements{db: db}} }

// q runs the store's statements on the pool, prepared.
func (s *Store) q() querier { return s.stmts.on(nil) }

// DB exposes the handle for health checks and tests.
func (s *Store) DB() *sqlx.DB { return s.db }

// Open connects and pings.
func Open(ctx context.Context, dsn string) (*sqlx.DB, error) {
	return OpenWithDialer(ctx, dsn, nil)
}

// OpenWithDialer is Open with the pool's connections made by dialer (nil:
// lib/pq's own), so that a test can count what a step sends to Postgres.
func OpenWithDialer(ctx context.Context, dsn string, dialer pq.Dialer) (*sqlx.DB, error) {
	return open(ctx, dsn, dialer, true)
}

// OpenUntraced is Open without otelsql's spans: the bench's baseline
// (`bench -plain`), which measures what the tracing costs. A process that
// serves anyone opens with Open.
func OpenUntraced(ctx context.Context, dsn string) (*sqlx.DB, error) {
	return open(ctx, dsn, nil, false)
}

func open(ctx context.Context, dsn string, dialer pq.Dialer, traced bool) (*sqlx.DB, error) {
	dsn, err := connParams(dsn)
	if err != nil {
		return nil, err
	}
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	if dialer != nil {
		connector.Dialer(dialer)
	}
	// otelsql: each statement a span of the trace that ran it (tracing/);
	// nothing when no trace is exported.
	var sqlDB *sql.DB
	if traced {
		sqlDB = otelsql.OpenDB(connector, otelsql.WithAttributes(semconv.DBSystemPostgreSQL),
			otelsql.WithSpanOptions(otelsql.SpanOptions{OmitConnResetSession: true, OmitRows: true, OmitConnPrepare: true}))
	} else {
		sqlDB = sql.OpenDB(connector)
	}
	db := sqlx.NewDb(sqlDB, "postgres")
	// As many idle as open: under load a closed connection is a new server
	// backend (a fork) a moment later.
	db.SetMaxOpenConns(PoolSize)
	db.SetMaxIdleConns(PoolSize)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// PoolSize is how many connections Open keeps, open and idle.
const PoolSize = 20

// Resize sets how many connections db keeps, open and idle (n > 0).
func Resize(db *sqlx.DB, n int) {
	if n > 0 {
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
	}
}

// Warm opens the pool's connections now, in parallel, rather than during the
// first burst of requests: each is a Postgres backend to fork and
// authenticate, which 50 admins starting removals at once would otherwise
// wait for. The long-running processes (api, worker, dev) call it; tests,
// which open many pools, do not.
func Warm(ctx context.Context, db *sqlx.DB) error {
	n := db.Stats().MaxOpenConnections
	conns := make([]*sql.Conn, n)
	errs := make(chan error, n)
	for i := range conns {
		go func(i int) {
			c, err := db.Conn(ctx)
			if err == nil {
				err = c.PingContext(ctx)
			}
			conns[i] = c
			errs <- err
		}(i)
	}
	var first error
	for range conns {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	for _, c := range conns {
		if c != nil {
			c.Close() // back to the idle pool
		}
	}
	return mapErr(first)
}

// LockTimeout bounds how long any statement of ours waits for a row lock
// (Postgres' lock_timeout, set on every connection unless the DSN sets it).
// A lock held longer (a long report, a stuck session) fails the statement
// as unavailable, to be retried later, instead of holding an admin's request
// or a removal step for as long as the other transaction lasts.
const LockTimeout = "2s"

// connParams sets, unless the DSN says otherwise:
//   - lib/pq's binary_parameters: a query with arguments then goes out as
//     one Parse/Bind/Execute exchange instead of lib/pq's default of preparing
//     an unnamed statement first, which costs a second round trip on every
//     statement (the bench counted ~35 per removal). Arguments of type []byte
//     go as binary, so JSON for jsonb columns is passed as a string;
//   - lock_timeout (LockTimeout), which lib/pq sends as a run-time parameter
//     in the connection's startup message: no round trip of its own.
func connParams(dsn string) (string, error) {
	params := [][2]string{{"binary_parameters", "yes"}, {"lock_timeout", LockTimeout}}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("DATABASE_URL: %w", err)
		}
		q := u.Query()
		for _, p := range params {
			if !q.Has(p[0]) {
				q.Set(p[0], p[1])
			}
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	for _, p := range params {
		if !strings.Contains(dsn, p[0]+"=") {
			dsn += " " + p[0] + "=" + p[1]
		}
	}
	return dsn, nil
}

// inTx runs fn in a transaction, committing when it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx querier) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(s.stmts.on(tx)); err != nil {
		tx.Rollback()
		return mapErr(err)
	}
	return mapErr(tx.Commit())
}

// mapErr turns driver errors into the domain vocabulary where one fits.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.CodeNotFound, "registro não encontrado")
	}
	if unreachable(err) {
		return &domain.Error{Code: domain.CodeUnavailable, Message: "o banco de dados não está respondendo; tente de novo em instantes",
			Fields: map[string]any{"retry_after": 5}}
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		if pqErr.Code == errNotLive {
			return domain.SendRefusal(pqErr.Detail)
		}
		switch pqErr.Code.Name() {
		case "unique_violation":
			return &domain.Error{Code: domain.CodeConflict, Message: "registro já existe", Fields: map[string]any{"constraint": pqErr.Constraint}}
		case "foreign_key_violation":
			return &domain.Error{Code: domain.CodeInvalid, Message: "referência inexistente", Fields: map[string]any{"constraint": pqErr.Constraint}}
		case "check_violation":
			return domain.Errorf(domain.CodeInvalid, "%s", pqErr.Message)
		case "lock_not_available": // LockTimeout passed
			return &domain.Error{Code: domain.CodeUnavailable, Message: "o registro está bloqueado por outra operação; tente de novo em instantes",
				Fields: map[string]any{"retry_after": 5}}
		case "invalid_text_representation": // e.g. a malformed uuid in a path
			return domain.Errorf(domain.CodeNotFound, "registro não encontrado")
		case "character_not_in_repertoire", "untranslatable_character", "string_data_right_truncation":
			return domain.Errorf(domain.CodeInvalid, "texto inválido")
		}
	}
	return err
}

// errNotLive is the SQLSTATE of migration 14's triggers: an attendance or a
// message on a channel that is not live (its status in the error's detail).
const errNotLive = pq.ErrorCode("CR001")

// unreachable: the database is down, restarting, refusing connections or
// too slow; a retry later may succeed, so it is unavailability, not a bug.
func unreachable(err error) bool {
	if errors.Is(err, driver.ErrBadConn) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch pqErr.Code.Class() {
		case "08", "53", "57": // connection exception, insufficient resources, operator intervention (shutdown)
			return pqErr.Code.Name() != "query_canceled" || errors.Is(err, context.DeadlineExceeded)
		}
	}
	// database/sql closes a pool whose handle was closed; lib/pq reports a dead server this way too.
	msg := err.Error()
	return strings.Contains(msg, "sql: database is closed") || strings.Contains(msg, "connection refused")
}

// Ping checks the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
