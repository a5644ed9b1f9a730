package postgres

import (
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

// The driver's errors that say PostgreSQL cannot be reached now are
// store.ErrUnavailable, with their message kept; the others are left as
// they are.
func TestUnavailableClassifies(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&pgconn.PgError{Code: "57P01"}, true}, // admin shutdown
		{&pgconn.PgError{Code: "57P02"}, true}, // crash shutdown
		{&pgconn.PgError{Code: "57P03"}, true}, // cannot connect now
		{&pgconn.PgError{Code: "08006"}, true}, // connection failure
		{fmt.Errorf("dial: %w", refused), true},
		{fmt.Errorf("read: %w", io.ErrUnexpectedEOF), true},
		{fmt.Errorf("acquire: %w", puddle.ErrClosedPool), true},
		{fmt.Errorf("query: %w", pgconn.ErrConnClosed), true},
		{net.ErrClosed, true},
		{&pgconn.PgError{Code: "23505"}, false}, // unique violation
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined table
		{store.ErrConflict, false},
		{errors.New("something else"), false},
	} {
		err := unavailable(wrapErr("op", c.err))
		require.Equal(t, c.want, errors.Is(err, store.ErrUnavailable), "%v", c.err)
		require.ErrorIs(t, err, c.err, "the driver's error stays in the chain")
		require.Equal(t, "postgres: op: "+c.err.Error(), err.Error())
	}
	require.NoError(t, unavailable(nil))
	once := wrapErr("op", puddle.ErrClosedPool)
	require.Same(t, once, unavailable(once), "marked once")
}
