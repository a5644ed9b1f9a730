package postgres_test

import (
	"context"
	"testing"

	"github.com/ucsp/integration/store/postgres/pgtest"
	"github.com/ucsp/integration/store/storetest"
)

// TestPostgres runs the store contract suite, each subtest on a fresh
// schema.
func TestPostgres(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T) *storetest.Harness {
		pool := pgtest.Pool(t)
		return &storetest.Harness{
			Store: newStore(t, pool, newKeyring(t)),
			Dump:  func(ctx context.Context) ([]byte, error) { return pgtest.Dump(ctx, pool) },
		}
	})
}
