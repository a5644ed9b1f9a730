package postgres

import (
	"bytes"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/internal/validjson"
)

// PostgreSQL's text and jsonb hold valid UTF-8 without NUL characters. A
// value from a caller (a name, an idempotency key, a config) that breaks
// this is refused with store.ErrInvalid naming the field, before any
// query. The content of synced messages is cleaned instead (see
// cleanText): one odd byte in one message must not stop a mailbox from
// syncing.

const badText = "must be valid UTF-8 without NUL characters"

// storable reports whether PostgreSQL can store s as text.
func storable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// checkText returns store.ErrInvalid naming field when s cannot be stored
// as text.
func checkText(field, s string) error {
	if !storable(s) {
		return store.Invalid(field, badText)
	}
	return nil
}

// checkRequired is checkText that also refuses an empty s.
func checkRequired(field, s string) error {
	if s == "" {
		return store.Invalid(field, "is required")
	}
	return checkText(field, s)
}

// checkJSON returns store.ErrInvalid naming field when b is neither empty
// nor a JSON text PostgreSQL can store: valid JSON, valid UTF-8 and, for
// jsonb, without a \u0000 escape.
func checkJSON(field string, b []byte, jsonb bool) error {
	if len(b) == 0 {
		return nil
	}
	if !validjson.Valid(b) {
		return store.Invalid(field, "must be valid JSON in UTF-8")
	}
	if jsonb && hasNULEscape(b) {
		return store.Invalid(field, `must not contain \u0000`)
	}
	return nil
}

// hasNULEscape reports whether the JSON text b holds a \u0000 escape (an
// escape, not an escaped backslash followed by "u0000").
func hasNULEscape(b []byte) bool {
	for i := 0; ; {
		j := bytes.Index(b[i:], []byte(`\u0000`))
		if j < 0 {
			return false
		}
		j += i
		backslashes := 0
		for k := j - 1; k >= 0 && b[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return true
		}
		i = j + 1
	}
}

// cleanText returns s with each invalid UTF-8 sequence and each NUL
// replaced by U+FFFD, or s itself when it is storable already.
func cleanText(s string) string {
	if storable(s) {
		return s
	}
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// cleanTexts applies cleanText to each element of ss, copying ss only
// when an element changes.
func cleanTexts(ss []string) []string {
	if !slices.ContainsFunc(ss, func(s string) bool { return !storable(s) }) {
		return ss
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = cleanText(s)
	}
	return out
}
