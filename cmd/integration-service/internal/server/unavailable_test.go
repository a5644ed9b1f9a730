package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

func TestUnavailable(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{fmt.Errorf("postgres: sync state: %w", store.ErrUnavailable), true}, // the store says so (store/postgres classifies its driver's errors)
		{fmt.Errorf("redis: %w", refused), true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{fmt.Errorf("postgres: x: %w", &pgconn.PgError{Code: "23505"}), false}, // unique violation
		{fmt.Errorf("postgres: x: %w", store.ErrConflict), false},
		{errors.New("something else"), false},
	} {
		require.Equal(t, c.want, unavailable(c.err), "%v", c.err)
	}
}
