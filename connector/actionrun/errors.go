package actionrun

import (
	"errors"
	"strings"

	"github.com/ucsp/integration/connector"
)

// ErrNotSupported says that the integration's provider cannot do what
// was asked (a custom source has no mailbox; a connector without
// connector.FolderLister lists no folders, one without
// connector.Modifier changes no message). An *UnsupportedError is one,
// and also a connector.ErrUnsupported.
var ErrNotSupported = errors.New("actionrun: not supported by the integration's provider")

// UnsupportedError says which integration's provider cannot do what.
type UnsupportedError struct {
	// Provider is the integration's provider ("custom").
	Provider string
	// What is what it cannot do: "folders" or "actions".
	What string
}

// Error names the provider and what it cannot do.
func (e *UnsupportedError) Error() string {
	return "actionrun: " + e.Provider + " integrations have no " + e.What
}

// Is makes an UnsupportedError an ErrNotSupported and a
// connector.ErrUnsupported error.
func (e *UnsupportedError) Is(target error) bool {
	return target == ErrNotSupported || target == connector.ErrUnsupported
}

// ErrMessageNotFound says that a message a Do call names is not one of
// the integration's (or is another tenant's). A *MessagesNotFoundError
// is one.
var ErrMessageNotFound = errors.New("actionrun: message not found")

// MessagesNotFoundError names the messages of a request the store does
// not have for the integration. Nothing was done.
type MessagesNotFoundError struct {
	// IDs are the store ids not found, in the request's order.
	IDs []string
}

// Error lists the ids.
func (e *MessagesNotFoundError) Error() string {
	return "actionrun: no such message of the integration: " + strings.Join(e.IDs, ", ")
}

// Is makes a MessagesNotFoundError an ErrMessageNotFound.
func (e *MessagesNotFoundError) Is(target error) bool { return target == ErrMessageNotFound }
