package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// decodeJSON reads the request body, at most limit bytes, into v:
// strictly (unknown fields, trailing data, a second value are refused)
// and only as application/json. On failure it has answered with a
// problem (400, 413 or 415) and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	if !isJSON(r.Header.Get("Content-Type")) {
		writeProblem(w, r, http.StatusUnsupportedMediaType, probMediaType, "the body must be application/json")
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeProblem(w, r, http.StatusRequestEntityTooLarge, probTooLarge, fmt.Sprintf("the body is larger than %d bytes", limit))
			return false
		}
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the body could not be read")
		return false
	}
	if fe, ok := strictUnmarshal(body, v); !ok {
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the body is not a valid JSON request", fe)
		return false
	}
	return true
}

// strictUnmarshal decodes one JSON value with no unknown fields and
// nothing after it, and says what is wrong, by field, when it cannot.
func strictUnmarshal(body []byte, v any) (fieldError, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return fieldError{Field: "body", Message: "is empty; a JSON object is required"}, false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return describeJSONError(err), false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fieldError{Field: "body", Message: "has data after the JSON value"}, false
	}
	return fieldError{}, true
}

// describeJSONError turns an encoding/json error into a field error
// that names the field and never echoes the value.
func describeJSONError(err error) fieldError {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return fieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s", jsonTypeName(typeErr.Type.Kind().String()), typeErr.Value)}
	case errors.As(err, &syntaxErr):
		return fieldError{Field: "body", Message: fmt.Sprintf("is not valid JSON (syntax error at byte %d)", syntaxErr.Offset)}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fieldError{Field: "body", Message: "is truncated JSON"}
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fieldError{Field: strings.Trim(name, `"`), Message: "is not a known field"}
	}
	return fieldError{Field: "body", Message: "is not a valid JSON request"}
}

func jsonTypeName(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "struct", "map":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return "another type"
}

// isJSON reports whether a Content-Type is application/json or a +json
// type.
func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}
