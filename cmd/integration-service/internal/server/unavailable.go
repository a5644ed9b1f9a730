package server

import (
	"errors"
	"io"
	"net"
	"strings"

	"github.com/ucsp/integration/store"
)

// unavailable reports whether err says that a backing service cannot be
// reached now: the store (store.ErrUnavailable, which store/postgres
// sets on a refused, reset or closed connection and on a server
// shutting down or starting), or Redis (the queue, the limiter), whose
// client returns the network's errors as they are. The request did not
// happen and may be retried, so it is answered 503 with Retry-After,
// not 500.
func unavailable(err error) bool {
	if errors.Is(err, store.ErrUnavailable) {
		return true
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "Conn is in a bad state") // go-redis's BadConnError
}
