package imap

import (
	"errors"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/firstline"
)

// ErrNotIMAP is why a connection failed when the server's first line is
// not an IMAP greeting: something else listens on the port (an SSH or
// HTTP server, say). It comes wrapped in an ErrPermanent error whose
// connector.ReachOf is connector.ReachProtocol; what the server sent is
// not part of it, so that the error can be shown to whoever named the
// server without making the connector a way to read other services'
// banners.
var ErrNotIMAP = errors.New("imap: the server did not answer as an IMAP server")

// greetings are how an IMAP greeting begins (RFC 9051 §7.1).
var greetings = []string{"* OK", "* PREAUTH", "* BYE"}

// notIMAP is the error of a server that is not an IMAP server.
func notIMAP(op string) error {
	return connector.PermanentError(op, &connector.ReachError{Reach: connector.ReachProtocol, Err: ErrNotIMAP})
}

// greetingError classifies a failure to read the greeting, err, by what
// was read of the server's first line: one that cannot begin an IMAP
// greeting is ErrNotIMAP whatever else failed; nothing at all, a
// connection closed before the greeting; a greeting that went wrong is
// classified as any other error.
func greetingError(op string, line []byte, err error) error {
	switch {
	case len(line) > 0 && !firstline.CouldStart(line, greetings...):
		return notIMAP(op)
	case len(line) == 0 && connector.NetReach(err) == "":
		return connector.TemporaryError(op, &connector.ReachError{Reach: connector.ReachNetwork, Err: errors.New("the server closed the connection without a greeting")})
	}
	return classify(op, err)
}
