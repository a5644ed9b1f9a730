package postgres

import (
	"errors"
	"io"
	"net"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"

	"github.com/ucsp/integration/store"
)

// unavailable marks err with store.ErrUnavailable when it says the
// database cannot be reached now (see unreachable); its message stays
// err's. nil, an error marked already and any other error are returned
// as they are.
func unavailable(err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) || !unreachable(err) {
		return err
	}
	return &unavailableError{err: err}
}

// unreachable reports whether err is the driver saying that PostgreSQL
// cannot be reached now: a connection that could not be made (refused,
// timed out, the server starting up or shutting down: a
// *pgconn.ConnectError, SQLSTATE class 08 or 57P01-57P03), a pool that
// is closed, or a connection lost in the middle of a call (reset,
// closed, cut short).
func unreachable(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		// Class 08: connection exception; 57P01-57P03: admin or crash
		// shutdown, cannot connect now.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return true
	}
	return errors.Is(err, puddle.ErrClosedPool) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed)
}

// unavailableError is an error of the driver that is also
// store.ErrUnavailable.
type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{e.err, store.ErrUnavailable} }
