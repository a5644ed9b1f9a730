package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
)

func TestMigrationFiles(t *testing.T) {
	t.Parallel()
	versions, err := postgres.LoadMigrations()
	require.NoError(t, err)
	require.NotEmpty(t, versions)
	for i, v := range versions {
		require.Equal(t, i+1, v, "migration versions must run 1, 2, 3, ... without gaps")
	}
}

func TestParseMigrationName(t *testing.T) {
	t.Parallel()
	v, name, err := postgres.ParseMigrationName("0012_add_index.sql")
	require.NoError(t, err)
	require.Equal(t, 12, v)
	require.Equal(t, "add_index", name)
	for _, bad := range []string{"init.sql", "0001.sql", "0001_.sql", "x001_init.sql", "0000_zero.sql", "0001_init.txt", "-001_neg.sql"} {
		_, _, err := postgres.ParseMigrationName(bad)
		require.Error(t, err, bad)
	}
}

// TestMigrateRace starts many processes' worth of Migrate at once on an
// empty schema: each migration must be applied exactly once, and none of
// them may fail.
func TestMigrateRace(t *testing.T) {
	t.Parallel()
	cfg := pgtest.Config(t)
	cfg.MaxConns = 1 // Migrate holds one connection for its whole run
	const n = 8
	pools := make([]*pgxpool.Pool, n)
	for i := range pools {
		pools[i] = pgtest.NewPool(t, cfg)
	}
	ctx := testContext(t)
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		applied []int
		errs    []error
	)
	start := make(chan struct{})
	for _, pool := range pools {
		wg.Go(func() {
			<-start
			got, err := postgres.Migrate(ctx, pool)
			mu.Lock()
			defer mu.Unlock()
			applied = append(applied, got...)
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	require.Empty(t, errs)

	want, err := postgres.LoadMigrations()
	require.NoError(t, err)
	slices.Sort(applied)
	require.Equal(t, want, applied, "each migration applied exactly once across all callers")
	rows, err := pools[0].Query(ctx, `SELECT version FROM schema_migrations ORDER BY version`)
	require.NoError(t, err)
	recorded, err := pgx.CollectRows(rows, pgx.RowTo[int])
	require.NoError(t, err)
	require.Equal(t, want, recorded)
}

func TestMigrateTwiceAppliesNothing(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	applied, err := postgres.Migrate(testContext(t), pool)
	require.NoError(t, err)
	require.Empty(t, applied)
}

func TestMigrateRefusesEditedMigration(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := testContext(t)
	_, err := pool.Exec(ctx, `UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1`)
	require.NoError(t, err)
	_, err = postgres.Migrate(ctx, pool)
	require.ErrorContains(t, err, "postgres: migrate: migration 1 (init) was changed after it was applied")
}

func TestMigrateToleratesNewerDatabase(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := testContext(t)
	_, err := pool.Exec(ctx, `INSERT INTO schema_migrations (version, name, checksum) VALUES (9999, 'from_the_future', 'x')`)
	require.NoError(t, err)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	applied, err := postgres.MigrateWithLogger(ctx, pool, logger)
	require.NoError(t, err)
	require.Empty(t, applied)
	require.Contains(t, logs.String(), "level=WARN")
	require.Contains(t, logs.String(), "versions=[9999]")
}

// TestMigrateLockIsPerSchema shows that Migrate waits for the lock of its
// own schema and only that one.
func TestMigrateLockIsPerSchema(t *testing.T) {
	t.Parallel()
	locked := pgtest.Pool(t)
	other := pgtest.Pool(t)
	ctx := testContext(t)

	conn, err := locked.Acquire(ctx)
	require.NoError(t, err)
	defer conn.Release()
	_, err = conn.Exec(ctx, `SELECT pg_advisory_lock(hashtextextended($1 || current_schema(), 0))`, postgres.LockName)
	require.NoError(t, err)

	_, err = postgres.Migrate(ctx, other)
	require.NoError(t, err, "another schema's lock must not block")

	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	_, err = postgres.Migrate(short, locked)
	require.Error(t, err, "Migrate must wait for its schema's lock")

	_, err = conn.Exec(ctx, `SELECT pg_advisory_unlock(hashtextextended($1 || current_schema(), 0))`, postgres.LockName)
	require.NoError(t, err)
	_, err = postgres.Migrate(ctx, locked)
	require.NoError(t, err)
}

// TestMigrateProviderRefUpgrade migrates a database at 0001 that holds a
// message to 0002: the message reads back without a ref (a ref that an
// older binary left in its data is not one the store resolves), and a
// sync then gives it one.
func TestMigrateProviderRefUpgrade(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	pool := pgtest.NewPool(t, pgtest.Config(t))
	initSQL, err := os.ReadFile("migrations/0001_init.sql")
	require.NoError(t, err)
	sum := sha256.Sum256(initSQL)
	_, err = pool.Exec(ctx, `CREATE TABLE schema_migrations (
		version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, string(initSQL))
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `INSERT INTO schema_migrations (version, name, checksum) VALUES (1, 'init', $1)`, hex.EncodeToString(sum[:]))
	require.NoError(t, err)

	st := newStore(t, pool, newKeyring(t))
	// The integration as a binary at 0001 stored it (the store's own
	// insert names the columns of every migration).
	in := &store.Integration{ID: store.NewID(), TenantID: "tenant"}
	_, err = pool.Exec(ctx, `
		WITH i AS (
			INSERT INTO integrations (id, tenant_id, provider, name, status, health_status, created_at, updated_at)
			VALUES ($1, 'tenant', 'imap', 'Support', 'active', 'unknown', now(), now()) RETURNING id
		)
		INSERT INTO sync_states (integration_id) SELECT id FROM i`, in.ID)
	require.NoError(t, err)
	id := store.NewID()
	_, err = pool.Exec(ctx, `
		INSERT INTO messages (integration_id, id, provider_id, subject, data, created_at, updated_at)
		VALUES ($1, $2, 'p-1', 'before the upgrade', '{"provider_ref":"left-in-data"}', now(), now())`, in.ID, id)
	require.NoError(t, err)

	applied, err := postgres.Migrate(ctx, pool)
	require.NoError(t, err)
	versions, err := postgres.LoadMigrations()
	require.NoError(t, err)
	require.Equal(t, versions[1:], applied, "every migration after 0001")

	got, err := st.GetMessage(ctx, "tenant", in.ID, id)
	require.NoError(t, err)
	require.Equal(t, "before the upgrade", got.Subject)
	require.Empty(t, got.ProviderRef)

	res := commitAt(t, st, in, "c1", []*connector.Message{{ProviderID: "p-1", ProviderRef: "INBOX;2;1"}})
	require.Empty(t, res.Inserted)
	res = commitAt(t, st, in, "c2", nil, connector.Change{Kind: connector.ChangeDeleted, ProviderRef: "INBOX;2;1"})
	require.Equal(t, 1, res.Deleted)
	got, err = st.GetMessage(ctx, "tenant", in.ID, id)
	require.NoError(t, err)
	require.Equal(t, "INBOX;2;1", got.ProviderRef)
	require.False(t, got.DeletedAt.IsZero())
}
