package custom

import "errors"

// The errors of a delivery that is refused (besides *DecodeError, a
// *connector.ValidationError and the store's own).
var (
	// ErrNotJSON: the delivery's Content-Type is not application/json
	// (nor a +json type).
	ErrNotJSON = errors.New("custom: the body must be application/json")
	// ErrDisabled: the source's integration is disabled.
	ErrDisabled = errors.New("custom: the integration is disabled")
	// ErrBusy: other processes kept committing deliveries of the source;
	// the delivery was not stored and may be retried at once. It wraps
	// store.ErrConflict.
	ErrBusy = errors.New("custom: the source is busy; retry")
	// ErrEmptyBody is a DecodeError's Err when the body is empty.
	ErrEmptyBody = errors.New("custom: the body is empty; a JSON object is required")
)

// DecodeError is a body that is no valid JSON request: empty
// (ErrEmptyBody), not JSON, or of the wrong form (an unknown field, a
// value of the wrong type, a name given twice, a second value).
type DecodeError struct {
	// Err is ErrEmptyBody or the JSON decoder's error
	// (github.com/go-json-experiment/json's *SemanticError or
	// *jsontext.SyntacticError), which says where the body is wrong.
	Err error
}

// Error names the decoder's complaint.
func (e *DecodeError) Error() string {
	return "custom: the body is not a valid JSON request: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *DecodeError) Unwrap() error { return e.Err }
