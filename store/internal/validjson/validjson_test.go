package validjson

import (
	"encoding/json"
	"testing"
	"unicode/utf8"
)

// reference is the check Valid must agree with.
func reference(b []byte) bool { return json.Valid(b) && utf8.Valid(b) }

var corpus = []string{
	``, ` `, `{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.5e-3`, `"x"`, ` {"a":1} `, "\t[1,2]\n",
	`{"a":1,"a":2}`, `"\ud800"`, `"\udc00\ud800"`, `"\ud83d\ude00"`, `"\u00e9"`, `"é"`, "\"\xff\"", "\xff",
	`{"a":}`, `{"a" 1}`, `[1,]`, `[1 2]`, `01`, `1.`, `.5`, `+1`, `-`, `1e`, `"\x"`, `"\u12"`, `"\u12g4"`,
	"\"a\nb\"", "\"a\x00\"", `{"a":[{"b":null}]}`, `{"a":1}{"b":2}`, `1 2`, `nul`, `"unterminated`, `[`, `]`,
	`{"a":"\/"}`, `"\b\f\n\r\t\"\\"`, `1E+2`, `-1.0e-0`, "{\"\xc3\xa9\":1}", "\"\xed\xa0\x80\"",
}

func TestValidAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range corpus {
		if got, want := Valid([]byte(s)), reference([]byte(s)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json and utf8 say %v", s, got, want)
		}
	}
	deep := make([]byte, 0, 30000)
	for range 10001 {
		deep = append(deep, '[')
	}
	for range 10001 {
		deep = append(deep, ']')
	}
	if got, want := Valid(deep), reference(deep); got != want {
		t.Errorf("Valid(10001 nested arrays) = %v, encoding/json and utf8 say %v", got, want)
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range corpus {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), reference(b); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json and utf8 say %v", b, got, want)
		}
	})
}

func BenchmarkValid(b *testing.B) {
	p := []byte(`{"message":{"id":"019ac4b2-7f5e-7c1a-9d2e-0a1b2c3d4e5f","provider_id":"message-id:bench-12345@example.org",` +
		`"from":[{"name":"Ann","email":"ann@example.org"}],"to":[{"email":"help@example.com"}],"subject":"Order 12345",` +
		`"text":"Where is my order?","received_at":"2026-11-26T10:56:03.123456789Z"},"tenant_id":"tenant-c"}`)
	b.Run("validjson", func(b *testing.B) {
		for b.Loop() {
			if !Valid(p) {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		for b.Loop() {
			if !reference(p) {
				b.Fatal("invalid")
			}
		}
	})
}
