package signin

import (
	"errors"
	"net/url"

	"github.com/ucsp/integration/internal/oauthflow"
)

// ErrInvalidOptions is returned by New for options it cannot run with;
// the error's text names the field.
var ErrInvalidOptions = errors.New("signin: invalid options")

// The kinds of *Error: why a sign-in started or connected nothing. Test
// with errors.Is. An *Error without a kind is a failure of the store (or
// of Options.Room), its cause.
var (
	// ErrNotConfigured: the provider is unknown, or the deployment has
	// no OAuth client for it.
	ErrNotConfigured = errors.New("signin: sign-in not configured")
	// ErrInvalid: the request is incomplete or wrong: Error.Fields say
	// which parameter at Start; at Finish a missing state or code.
	ErrInvalid = errors.New("signin: invalid request")
	// ErrQuota: the sign-in would create an integration the tenant has
	// no room for (Options.Room's refusal is the cause).
	ErrQuota = errors.New("signin: no room for another integration")
	// ErrState: the state is unknown, used, expired, of another
	// provider, or names no mailbox.
	ErrState = errors.New("signin: unknown, used or expired sign-in")
	// ErrDenied: the user did not grant access (the callback's error
	// parameter).
	ErrDenied = errors.New("signin: access not granted")
	// ErrRefused: the provider refused the authorization code.
	ErrRefused = errors.New("signin: authorization code refused")
	// ErrExchange: the provider failed: its token endpoint, its identity
	// token, or reading the mailbox's address.
	ErrExchange = errors.New("signin: the provider failed")
	// ErrMismatch: the account that signed in is not the mailbox the
	// sign-in was started for, or the provider does not vouch for its
	// address. Its tokens are dropped, not revoked: a provider revokes
	// an account's whole grant to the client, which an integration of
	// that mailbox in another tenant may hold, and whoever sent the link
	// could otherwise end it.
	ErrMismatch = errors.New("signin: another mailbox signed in")
	// ErrConflict: a reauthorization signed in to another mailbox than
	// its integration's.
	ErrConflict = errors.New("signin: the integration is another mailbox")
)

// MailboxMismatchError is Provider.Verify's error for a sign-in of
// another mailbox than expected: the type gmail.MailboxMismatchError and
// outlook.MailboxMismatchError are.
type MailboxMismatchError = oauthflow.MailboxMismatchError

// FieldError is a problem of one parameter of a StartRequest.
type FieldError struct {
	// Field is the parameter: "email", "name", "integration_id" or
	// "return_url".
	Field string
	// Message says what is wrong, after the field's name.
	Message string
}

// Error is why Start or Finish started or connected nothing: its Kind
// (one of the Err values of this package, nil for a failure of the
// store), a Detail for the user, and for a sign-in whose state was
// consumed the ReturnURL it was started with.
type Error struct {
	// Kind is the kind of failure; nil: Err, the store's, is.
	Kind error
	// Provider is the integration provider ("gmail").
	Provider string
	// Detail says what happened, for the user; never a token.
	Detail string
	// Fields are the wrong parameters of an ErrInvalid at Start.
	Fields []FieldError
	// ReturnURL is where the sign-in asked its outcome to be sent (see
	// WithOutcome); nil: none, or not known (the state was not read).
	ReturnURL *url.URL
	// Err is the cause, when there is one.
	Err error
}

// Error returns the kind and the detail.
func (e *Error) Error() string {
	msg := "signin: " + e.Detail
	if e.Kind != nil {
		msg = e.Kind.Error() + ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Is reports whether target is e's kind.
func (e *Error) Is(target error) bool { return e.Kind != nil && target == e.Kind }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }
