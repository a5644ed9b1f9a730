// Package pgtest gives each test its own PostgreSQL schema, so that many
// tests, in many packages, run in parallel against one server without
// seeing each other's rows.
//
// The server is named by TEST_DATABASE_URL (see internal/testenv): when
// it is unset the test is skipped with a message naming the variable, or
// fails when REQUIRE_SERVICES=1.
//
//	func TestSomething(t *testing.T) {
//		t.Parallel()
//		pool := pgtest.Pool(t) // a fresh, migrated schema
//		st, err := postgres.New(pool, postgres.Options{Keyring: ring})
//		...
//	}
//
// A schema is named pgtest_<time>_<random> and dropped, with everything in
// it, when the test ends; a test binary that is killed leaves its schemas
// behind, for DropStale to remove.
//
// This package is for tests only: it calls t.Fatal on any error.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/store/postgres"
)

// MaxConns is the size of each pool Pool makes: small, so that dozens
// of parallel tests stay well under the server's max_connections.
const MaxConns = 4

// prefix starts the name of every schema this package makes.
const prefix = "pgtest_"

// Pool returns a pool of at most MaxConns connections whose search_path
// is a fresh schema that Migrate has brought up to date. The pool is
// closed and the schema dropped when t ends.
func Pool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool := NewPool(t, Config(t))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return pool
}

// Config creates a fresh, empty schema, dropped when t ends, and returns
// a pool configuration (MaxConns connections) whose search_path is that
// schema. Each call of NewPool with it makes another pool on the same
// schema, as several processes sharing a database would have.
func Config(t testing.TB) *pgxpool.Config {
	t.Helper()
	url := testenv.DatabaseURL(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", testenv.DatabaseURLVar, err)
	}
	cfg.MaxConns = MaxConns
	schema := newSchemaName()
	cfg.ConnConfig.RuntimeParams["search_path"] = schema

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := admin(ctx, cfg, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := admin(ctx, cfg, `DROP SCHEMA `+pgx.Identifier{schema}.Sanitize()+` CASCADE`); err != nil {
			t.Errorf("pgtest: drop schema %s: %v", schema, err)
		}
	})
	return cfg
}

// NewPool makes a pool from a copy of cfg, closed when t ends (before
// Config drops the schema).
func NewPool(t testing.TB, cfg *pgxpool.Config) *pgxpool.Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg.Copy())
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Dump returns the text of every row of every table in the schema the
// pool uses, one row a line, prefixed by its table's name: every byte
// the store holds at rest, for tests that look for what must not be
// there (a plaintext secret).
func Dump(ctx context.Context, pool *pgxpool.Pool) ([]byte, error) {
	rows, err := pool.Query(ctx, `
		SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return nil, fmt.Errorf("pgtest: dump: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("pgtest: dump: %w", err)
	}
	var b strings.Builder
	for _, table := range tables {
		rows, err := pool.Query(ctx, `SELECT t::text FROM `+pgx.Identifier{table}.Sanitize()+` t`)
		if err != nil {
			return nil, fmt.Errorf("pgtest: dump %s: %w", table, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return nil, fmt.Errorf("pgtest: dump %s: %w", table, err)
		}
		for _, line := range lines {
			b.WriteString(table + ": " + line + "\n")
		}
	}
	return []byte(b.String()), nil
}

// DropStale drops the schemas this package made more than age ago: those
// a killed test binary left behind. It is safe to run while other tests
// use their schemas, as long as no test runs longer than age.
func DropStale(ctx context.Context, pool *pgxpool.Pool, age time.Duration) (int, error) {
	rows, err := pool.Query(ctx, `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'pgtest\_%'`)
	if err != nil {
		return 0, fmt.Errorf("pgtest: drop stale: %w", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, fmt.Errorf("pgtest: drop stale: %w", err)
	}
	cutoff := time.Now().Add(-age)
	dropped := 0
	for _, name := range names {
		made, ok := schemaTime(name)
		if !ok || made.After(cutoff) {
			continue
		}
		if _, err := pool.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
			return dropped, fmt.Errorf("pgtest: drop stale %s: %w", name, err)
		}
		dropped++
	}
	return dropped, nil
}

// newSchemaName returns pgtest_<unix seconds>_<16 random hex digits>.
func newSchemaName() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	return prefix + strconv.FormatInt(time.Now().Unix(), 10) + "_" + hex.EncodeToString(b[:])
}

// schemaTime reads the time out of a name newSchemaName made.
func schemaTime(name string) (time.Time, bool) {
	rest, ok := strings.CutPrefix(name, prefix)
	if !ok {
		return time.Time{}, false
	}
	secs, _, ok := strings.Cut(rest, "_")
	n, err := strconv.ParseInt(secs, 10, 64)
	if !ok || err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

// admin runs one statement on a connection of its own.
func admin(ctx context.Context, cfg *pgxpool.Config, sql string) error {
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer func() { _ = conn.Close(context.WithoutCancel(ctx)) }()
	_, err = conn.Exec(ctx, sql)
	return err
}

// URL creates a fresh, empty schema, as Config does, and returns
// TEST_DATABASE_URL with that schema as its search_path: for a program
// under test configured by URL (a process, a DATABASE_URL).
func URL(t testing.TB) string {
	t.Helper()
	schema := Config(t).ConnConfig.RuntimeParams["search_path"]
	url := testenv.DatabaseURL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}
