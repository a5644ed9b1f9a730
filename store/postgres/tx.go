package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// inTx runs fn in a transaction and commits it, or rolls it back when fn
// fails. fn's error is returned as it is, so that an error from a
// caller's callback reaches the caller unchanged (fn wraps its own), but
// for the mark of an unreachable database (store.ErrUnavailable).
func (s *Store) inTx(ctx context.Context, op string, fn func(pgx.Tx) error) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return wrapErr(op, err)
	}
	// After Commit, Rollback is a no-op returning pgx.ErrTxClosed.
	defer func() { _ = tx.Rollback(ctx) }()
	if err := fn(tx); err != nil {
		return unavailable(err)
	}
	if err := tx.Commit(ctx); err != nil {
		return wrapErr(op, err)
	}
	return nil
}
