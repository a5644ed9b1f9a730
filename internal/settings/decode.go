package settings

import (
	"bytes"
	"encoding/json"

	"github.com/ucsp/integration/connector"
)

// Decode decodes raw, one JSON object, into v, refusing a field v does
// not have: a setting misspelt is an error, not a setting ignored.
func Decode(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}

// Required decodes settings that must be given into v (see Decode). It
// returns a *connector.ValidationError beginning with context whose one
// field is "settings": they "are required" when raw is empty or blank,
// and "are not valid JSON settings: ..." with the decoder's error when
// Decode fails.
func Required(context string, raw []byte, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return Invalid(context, "settings", "are required")
	}
	if err := Decode(raw, v); err != nil {
		return Invalid(context, "settings", "are not valid JSON settings: "+err.Error())
	}
	return nil
}

// Invalid returns a *connector.ValidationError beginning with context
// with the one problem field msg.
func Invalid(context, field, msg string) *connector.ValidationError {
	return &connector.ValidationError{Context: context, Fields: []connector.FieldError{{Field: field, Message: msg}}}
}
