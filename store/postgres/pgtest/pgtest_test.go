package pgtest_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store/postgres/pgtest"
)

func TestPoolsAreIsolated(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, b := pgtest.Pool(t), pgtest.Pool(t)
	_, err := a.Exec(ctx, `CREATE TABLE only_in_a (x int)`)
	require.NoError(t, err)
	_, err = b.Exec(ctx, `SELECT * FROM only_in_a`)
	require.Error(t, err, "another test's schema must not be visible")
	var n int
	require.NoError(t, b.QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n))
	require.Positive(t, n, "Pool migrates its schema")
	require.EqualValues(t, pgtest.MaxConns, a.Config().MaxConns)
}

func TestSchemaDroppedAtCleanup(t *testing.T) {
	t.Parallel()
	cfg := pgtest.Config(t) // skips without a server, before the subtest
	var schema string
	t.Run("user", func(t *testing.T) {
		pool := pgtest.Pool(t)
		require.NoError(t, pool.QueryRow(context.Background(), `SELECT current_schema()`).Scan(&schema))
	})
	require.NotEmpty(t, schema)
	conn, err := pgx.ConnectConfig(context.Background(), cfg.ConnConfig)
	require.NoError(t, err)
	defer conn.Close(context.Background())
	var exists bool
	require.NoError(t, conn.QueryRow(context.Background(),
		`SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schema).Scan(&exists))
	require.False(t, exists, "schema %s outlived its test", schema)
}

func TestDump(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	_, err := pool.Exec(ctx, `CREATE TABLE notes (body text, blob bytea); INSERT INTO notes VALUES ('hello world', 'raw')`)
	require.NoError(t, err)
	dump, err := pgtest.Dump(ctx, pool)
	require.NoError(t, err)
	require.Contains(t, string(dump), `notes: ("hello world","\\x726177")`)
	require.Contains(t, string(dump), "schema_migrations: (1,init,")
}

func TestDropStale(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	stale := "pgtest_1000000000_0123456789abcdef" // 2001
	_, err := pool.Exec(ctx, `CREATE SCHEMA `+stale)
	require.NoError(t, err)
	n, err := pgtest.DropStale(ctx, pool, 24*time.Hour)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 1)
	var exists, mine bool
	require.NoError(t, pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1),
		EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = current_schema())`, stale).Scan(&exists, &mine))
	require.False(t, exists, "a stale schema must be dropped")
	require.True(t, mine, "a fresh schema must be kept")
}
