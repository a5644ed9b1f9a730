package postgres_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
)

func TestOptionsValidated(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	ring := newKeyring(t)
	// Nothing listens on port 1: validation must fail before any dial.
	const nowhere = "postgres://user@127.0.0.1:1/db?connect_timeout=1"
	lazy, err := pgxpool.New(ctx, nowhere) // pgxpool connects lazily
	require.NoError(t, err)
	t.Cleanup(lazy.Close)

	cases := map[string]struct {
		call func() error
		want string
	}{
		"Open without Keyring": {
			call: func() error { _, err := postgres.Open(ctx, nowhere, postgres.Options{}); return err },
			want: "postgres: Options.Keyring is required",
		},
		"Open with negative MaxConns": {
			call: func() error {
				_, err := postgres.Open(ctx, nowhere, postgres.Options{Keyring: ring, MaxConns: -1})
				return err
			},
			want: "postgres: Options.MaxConns is -1",
		},
		"New without pool": {
			call: func() error { _, err := postgres.New(nil, postgres.Options{Keyring: ring}); return err },
			want: "postgres: New: pool is nil",
		},
		"New without Keyring": {
			call: func() error { _, err := postgres.New(lazy, postgres.Options{}); return err },
			want: "postgres: Options.Keyring is required",
		},
		"New with Migrate": {
			call: func() error { _, err := postgres.New(lazy, postgres.Options{Keyring: ring, Migrate: true}); return err },
			want: "postgres: New: Options.Migrate is set",
		},
		"Migrate without pool": {
			call: func() error { _, err := postgres.Migrate(ctx, nil); return err },
			want: "postgres: migrate: pool is nil",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.ErrorContains(t, c.call(), c.want)
		})
	}
}

func TestOpenErrorsHideThePassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ring := newKeyring(t)
	for _, u := range []string{
		"postgres://user:s3cr3t-pw@127.0.0.1:1/db?connect_timeout=1",
		"postgres://user:s3cr3t-pw@127.0.0.1:1/db?sslmode=bogus",
	} {
		_, err := postgres.Open(ctx, u, postgres.Options{Keyring: ring})
		require.Error(t, err)
		require.ErrorContains(t, err, "postgres: open: ")
		require.NotContains(t, err.Error(), "s3cr3t-pw")
	}
}

func TestOpenMigratesAndOwnsItsPool(t *testing.T) {
	t.Parallel()
	cfg := pgtest.Config(t)
	u, err := url.Parse(testenv.DatabaseURL(t))
	require.NoError(t, err)
	q := u.Query()
	q.Set("search_path", cfg.ConnConfig.RuntimeParams["search_path"])
	u.RawQuery = q.Encode()
	ctx := testContext(t)

	st, err := postgres.Open(ctx, u.String(), postgres.Options{Keyring: newKeyring(t), MaxConns: 2, Migrate: true})
	require.NoError(t, err)
	require.NoError(t, st.Ping(ctx))
	_, err = st.SyncState(ctx, "tenant", store.NewID())
	require.ErrorIs(t, err, store.ErrNotFound, "the schema must be migrated")

	require.NoError(t, st.Close())
	require.Error(t, st.Ping(ctx), "Close must close the pool Open made")
}

func TestNewLeavesTheCallersPoolOpen(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	st, err := postgres.New(pool, postgres.Options{Keyring: newKeyring(t)})
	require.NoError(t, err)
	require.NoError(t, st.Close())
	require.NoError(t, pool.Ping(testContext(t)))
}
