package memory

import (
	"context"
	"fmt"
)

// rowLock serialises the read-modify-write operations on one row while a
// caller's function runs, as SELECT ... FOR UPDATE does in PostgreSQL,
// without holding the store's mutex. Waiting for it ends with the
// context.
type rowLock chan struct{}

func newRowLock() rowLock { return make(rowLock, 1) }

// lock waits until the row is free or ctx is done.
func (l rowLock) lock(ctx context.Context) error {
	select {
	case l <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("memory: waiting for a row lock: %w", ctx.Err())
	}
}

func (l rowLock) unlock() { <-l }
