package store

import (
	"encoding/base64"
	"errors"
	"strings"
)

// ErrUnavailable says that the store's backing service cannot be
// reached now: a refused or reset connection, a closed pool, no
// connection made before the deadline, a server shutting down or
// starting up. The operation did not happen, or its outcome is unknown
// as after any broken connection, and it may be tried again later; an
// HTTP server answers it 503 with Retry-After. Stores wrap it beside the
// driver's error, so that the message stays the driver's.
// store/postgres returns it; store/memory, which has nothing to reach,
// never does.
var ErrUnavailable = errors.New("store: unavailable")

// InvalidError says which field of a value could not be stored. It is an
// ErrInvalid error.
type InvalidError struct {
	Field   string
	Message string
}

// Error returns "store: <field> <message>".
func (e *InvalidError) Error() string { return "store: " + e.Field + " " + e.Message }

// Is makes an InvalidError an ErrInvalid error.
func (e *InvalidError) Is(target error) bool { return target == ErrInvalid }

func invalid(field, msg string) error { return &InvalidError{Field: field, Message: msg} }

// Invalid returns an ErrInvalid error naming field, for Store
// implementations.
func Invalid(field, msg string) error { return invalid(field, msg) }

const cursorPrefix = "c1."

// EncodeCursor turns the sort key of a page's last row into an opaque
// pagination cursor, for Store implementations.
func EncodeCursor(key string) string {
	return cursorPrefix + base64.RawURLEncoding.EncodeToString([]byte(key))
}

// DecodeCursor reverses EncodeCursor; an empty cursor decodes to "". A
// cursor EncodeCursor did not make is ErrInvalidCursor.
func DecodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(c, cursorPrefix)
	if !ok {
		return "", ErrInvalidCursor
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil || len(b) == 0 {
		return "", ErrInvalidCursor
	}
	return string(b), nil
}
