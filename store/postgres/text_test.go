package postgres_test

import (
	"reflect"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
)

func TestHasNULEscape(t *testing.T) {
	t.Parallel()
	cases := map[string]bool{
		`{"a":"b"}`:             false,
		`{"a":"\u0000"}`:        true,
		`{"a":"\\u0000"}`:       false, // an escaped backslash, then text
		`{"a":"\\\u0000"}`:      true,  // an escaped backslash, then a NUL
		`{"a":"x\\\\u0000"}`:    false,
		`["\u00001"]`:           true,
		`{"\u0000":1}`:          true,
		`{"a":"\\u0000\u0000"}`: true,
	}
	for in, want := range cases {
		require.Equal(t, want, postgres.HasNULEscape([]byte(in)), in)
	}
}

// TestTextArrayRoundTrip sends array literals through PostgreSQL's own
// parser.
func TestTextArrayRoundTrip(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := testContext(t)
	for _, in := range [][]string{
		{},
		{""},
		{`\Seen`, `\Answered`},
		{`"quoted"`, `back\slash`, `{braces}`, `a,b`, `NULL`, ` spaced `, "new\nline", "Ünï😀"},
	} {
		var out []string
		require.NoError(t, pool.QueryRow(ctx, `SELECT $1::text::text[]`, postgres.TextArray(in)).Scan(&out))
		require.Equal(t, in, out)
	}
}

// TestCleanMessageCoversEveryString fills every string of a
// connector.Message, however deep, with bytes PostgreSQL refuses, and
// checks that cleaning leaves none: a field added to connector.Message
// later fails here until clean.go handles it.
func TestCleanMessageCoversEveryString(t *testing.T) {
	t.Parallel()
	var m connector.Message
	fill(reflect.ValueOf(&m).Elem(), "bad\x00\xff")
	m.ProviderID, m.ProviderRef = "p", "r" // keys are checked, not cleaned
	c := postgres.CleanMessage(&m)
	walkStrings(reflect.ValueOf(c), "Message", func(path, s string) {
		require.True(t, utf8.ValidString(s), path)
		require.NotContains(t, s, "\x00", path)
		require.NotEmpty(t, s, path)
	})
	require.Equal(t, "bad\x00\xff", m.Subject, "the original is not changed")
}

// fill sets every string reachable from v to s, making one element of
// each slice and map.
func fill(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), s)
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // []byte is not text
		}
		sl := reflect.MakeSlice(v.Type(), 1, 1)
		fill(sl.Index(0), s)
		v.Set(sl)
	case reflect.Map:
		mp := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, s)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, s)
		mp.SetMapIndex(k, e)
		v.Set(mp)
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), s)
		v.Set(p)
	}
}

// walkStrings calls f with every string reachable from v.
func walkStrings(v reflect.Value, path string, f func(path, s string)) {
	switch v.Kind() {
	case reflect.String:
		f(path, v.String())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkStrings(v.Field(i), path+"."+v.Type().Field(i).Name, f)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkStrings(v.Index(i), path+"[]", f)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			walkStrings(k, path+"{key}", f)
			walkStrings(v.MapIndex(k), path+"{}", f)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			walkStrings(v.Elem(), path, f)
		}
	}
}
