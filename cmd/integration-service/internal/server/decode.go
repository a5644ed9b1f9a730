package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/ucsp/integration/webhook"
)

// decodeJSON reads the request body, at most limit bytes, into v:
// strictly (unknown fields, trailing data, a second value are refused)
// and only as application/json. The body is read as it arrives (memory
// grows with the bytes received, never with the announced length); one
// announced or found larger than limit is 413, one that misses its
// deadline (ingress) 408. On failure it has answered with a problem
// (400, 408, 413 or 415) and returns false.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) bool {
	if !isJSON(r.Header.Get("Content-Type")) {
		writeProblem(w, r, http.StatusUnsupportedMediaType, probMediaType, "the body must be application/json")
		return false
	}
	body, err := webhook.ReadBody(r, limit)
	switch {
	case errors.Is(err, webhook.ErrBodyTooLarge):
		writeProblem(w, r, http.StatusRequestEntityTooLarge, probTooLarge, fmt.Sprintf("the body is larger than %d bytes", limit))
		return false
	case errors.Is(err, webhook.ErrBodyTimeout):
		writeProblem(w, r, http.StatusRequestTimeout, probBodyTimeout, "the body did not arrive in time")
		return false
	case err != nil:
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the body could not be read")
		return false
	}
	if fe, ok := strictUnmarshal(body, v); !ok {
		writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the body is not a valid JSON request", fe)
		return false
	}
	return true
}

// probBodyTimeout is the problem of a body that did not arrive before
// its deadline (408).
const probBodyTimeout = problemBase + "body-timeout"

// strictUnmarshal decodes one JSON value with no unknown fields, no
// duplicate names and nothing after it, and says what is wrong, by
// field, when it cannot. It decodes with encoding/json/v2's semantics
// (github.com/go-json-experiment/json, which becomes the standard
// library's on Go 1.27): names match exactly, invalid UTF-8 is refused.
func strictUnmarshal(body []byte, v any) (fieldError, bool) {
	if len(bytes.TrimSpace(body)) == 0 {
		return fieldError{Field: "body", Message: "is empty; a JSON object is required"}, false
	}
	if err := jsonv2.Unmarshal(body, v, jsonv2.RejectUnknownMembers(true)); err != nil {
		return describeJSONError(err), false
	}
	return fieldError{}, true
}

// describeJSONError turns a decoding error into a field error that
// names the field ("to[0].email") and never echoes the value.
func describeJSONError(err error) fieldError {
	var semErr *jsonv2.SemanticError
	var synErr *jsontext.SyntacticError
	switch {
	case errors.As(err, &semErr):
		field := fieldPath(semErr.JSONPointer)
		switch {
		case errors.Is(err, jsonv2.ErrUnknownName):
			return fieldError{Field: field, Message: "is not a known field"}
		case semErr.GoType != nil && semErr.JSONKind != 0:
			return fieldError{Field: field, Message: fmt.Sprintf("must be %s, not %s",
				jsonTypeName(semErr.GoType.Kind().String()), jsonKindName(semErr.JSONKind))}
		}
		return fieldError{Field: field, Message: "has a value of the wrong form"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fieldError{Field: "body", Message: "is truncated JSON"}
	case errors.As(err, &synErr):
		if strings.Contains(synErr.Error(), "duplicate object member name") {
			return fieldError{Field: fieldPath(synErr.JSONPointer), Message: "is given twice"}
		}
		return fieldError{Field: "body", Message: fmt.Sprintf("is not valid JSON (syntax error at byte %d)", synErr.ByteOffset)}
	}
	return fieldError{Field: "body", Message: "is not a valid JSON request"}
}

// fieldPath turns a JSON Pointer ("/to/0/email") into the field path
// problems name ("to[0].email"); the empty pointer is "body".
func fieldPath(p jsontext.Pointer) string {
	var b strings.Builder
	for tok := range p.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil && b.Len() > 0 {
			b.WriteString("[" + tok + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	if b.Len() == 0 {
		return "body"
	}
	return b.String()
}

// jsonKindName names a JSON value's kind as problems say it.
func jsonKindName(k jsontext.Kind) string {
	switch k {
	case '"':
		return "a string"
	case '0':
		return "a number"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	case '[':
		return "an array"
	}
	return "another type"
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
