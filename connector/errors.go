package connector

import (
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"strings"
	"time"
)

// The kinds of error a connector returns. Callers decide what to do from
// the kind, with errors.Is, never from an error's text:
//
//	switch {
//	case errors.Is(err, connector.ErrAuth):        // ask the user to reconnect
//	case errors.Is(err, connector.ErrRateLimited): // wait connector.RetryAfter(err)
//	case errors.Is(err, connector.ErrTemporary):   // retry with backoff
//	}
var (
	// ErrAuth: the provider rejected the credentials; retrying will not
	// help until the user re-authorises (a revoked grant, a changed
	// password).
	ErrAuth = errors.New("connector: re-authorisation required")
	// ErrRateLimited: the provider throttled the call. RetryAfter tells how
	// long to wait, when the provider said.
	ErrRateLimited = errors.New("connector: rate limited")
	// ErrTemporary: a failure that may go away on retry (network, 5xx,
	// timeouts).
	ErrTemporary = errors.New("connector: temporary failure")
	// ErrPermanent: a failure that a retry cannot fix (a malformed
	// message, a rejected recipient, a provider-side 4xx).
	ErrPermanent = errors.New("connector: permanent failure")
	// ErrNotFound: the thing asked for does not exist at the provider.
	ErrNotFound = errors.New("connector: not found")
	// ErrUnsupported: the connector does not do what was asked.
	ErrUnsupported = errors.New("connector: unsupported")
)

var kinds = []error{ErrAuth, ErrRateLimited, ErrTemporary, ErrPermanent, ErrNotFound, ErrUnsupported}

// Error is a classified connector error. errors.Is(err, Kind) and
// errors.Is(err, <anything Err wraps>) both hold.
type Error struct {
	// Kind is one of ErrAuth, ErrRateLimited, ErrTemporary, ErrPermanent,
	// ErrNotFound, ErrUnsupported.
	Kind error
	// Op says what failed, prefixed by the package: "imap: login".
	Op string
	// RetryAfter is how long the provider asked to wait (ErrRateLimited,
	// sometimes ErrTemporary); zero if it did not say.
	RetryAfter time.Duration
	// Err is the underlying error, if any.
	Err error
}

// Error formats e as "op: underlying error (kind)".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Op)
	if e.Err != nil {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(e.Err.Error())
	}
	if e.Kind != nil {
		if b.Len() > 0 {
			b.WriteString(" (")
			b.WriteString(strings.TrimPrefix(e.Kind.Error(), "connector: "))
			b.WriteString(")")
		} else {
			b.WriteString(e.Kind.Error())
		}
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, ", retry after %s", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns the kind and the underlying error.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// NewError returns an *Error of kind for op wrapping err.
func NewError(kind error, op string, err error) *Error {
	return &Error{Kind: kind, Op: op, Err: err}
}

// AuthError returns an ErrAuth error for op wrapping err.
func AuthError(op string, err error) error { return NewError(ErrAuth, op, err) }

// TemporaryError returns an ErrTemporary error for op wrapping err.
func TemporaryError(op string, err error) error { return NewError(ErrTemporary, op, err) }

// PermanentError returns an ErrPermanent error for op wrapping err.
func PermanentError(op string, err error) error { return NewError(ErrPermanent, op, err) }

// NotFoundError returns an ErrNotFound error for op wrapping err.
func NotFoundError(op string, err error) error { return NewError(ErrNotFound, op, err) }

// RateLimitedError returns an ErrRateLimited error for op wrapping err;
// retryAfter is how long the provider asked to wait (0 if it did not say).
func RateLimitedError(op string, retryAfter time.Duration, err error) error {
	e := NewError(ErrRateLimited, op, err)
	e.RetryAfter = retryAfter
	return e
}

// KindOf returns the kind of err (ErrAuth, ErrRateLimited, ...), or nil
// when err carries none.
func KindOf(err error) error {
	if err == nil {
		return nil
	}
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return nil
}

// RetryAfter returns the wait the provider asked for in err, or 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// IsRetryable reports whether err is worth retrying later: rate-limited or
// temporary.
func IsRetryable(err error) bool {
	return errors.Is(err, ErrRateLimited) || errors.Is(err, ErrTemporary)
}

// ValidationError lists what is wrong with a value given to a connector,
// field by field. It is an ErrPermanent error.
type ValidationError struct {
	// Context begins the error's text, naming what was invalid ("imap:
	// invalid config"); empty means "connector: invalid message".
	Context string `json:"-"`
	Fields  []FieldError
}

// FieldError is one problem of a ValidationError.
type FieldError struct {
	// Field is the JSON path of the field, e.g. "to[1]".
	Field string `json:"field"`
	// Message says what is wrong, e.g. "is required".
	Message string `json:"message"`
}

// Error lists the problems on one line.
func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Field + " " + f.Message
	}
	ctx := v.Context
	if ctx == "" {
		ctx = "connector: invalid message"
	}
	return ctx + ": " + strings.Join(parts, "; ")
}

// Addf adds a problem with field, its message formatted as by
// fmt.Sprintf.
func (v *ValidationError) Addf(field, format string, args ...any) {
	v.Fields = append(v.Fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Is makes a ValidationError an ErrPermanent error.
func (v *ValidationError) Is(target error) bool { return target == ErrPermanent }

func (v *ValidationError) add(field, msg string) {
	v.Fields = append(v.Fields, FieldError{Field: field, Message: msg})
}

func sortFieldErrors(f []FieldError) {
	slices.SortStableFunc(f, func(a, b FieldError) int { return strings.Compare(a.Field, b.Field) })
}

func canonicalKey(k string) string { return textproto.CanonicalMIMEHeaderKey(k) }
