package settings_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/settings"
)

type testSettings struct {
	Email   string   `json:"email"`
	Folders []string `json:"folders,omitempty"`
}

func TestRequired(t *testing.T) {
	t.Parallel()
	for raw, want := range map[string]string{
		"":                           "x: invalid: settings are required",
		" \n ":                       "x: invalid: settings are required",
		`{"email": 1}`:               "x: invalid: settings are not valid JSON settings: json: cannot unmarshal number into Go struct field testSettings.email of type string",
		`{"email": "a@b.c", "x": 1}`: `x: invalid: settings are not valid JSON settings: json: unknown field "x"`,
		`[`:                          "x: invalid: settings are not valid JSON settings: unexpected EOF",
	} {
		var s testSettings
		err := settings.Required("x: invalid", []byte(raw), &s)
		var ve *connector.ValidationError
		require.ErrorAs(t, err, &ve, raw)
		require.ErrorIs(t, err, connector.ErrPermanent)
		require.Equal(t, want, err.Error())
	}
	var s testSettings
	require.NoError(t, settings.Required("x", []byte(`{"email": "a@b.c", "folders": ["INBOX"]}`), &s))
	require.Equal(t, testSettings{Email: "a@b.c", Folders: []string{"INBOX"}}, s)
}

func TestDecodeRefusesUnknownFields(t *testing.T) {
	t.Parallel()
	var s testSettings
	require.ErrorContains(t, settings.Decode([]byte(`{"emial": "a@b.c"}`), &s), `unknown field "emial"`)
	require.NoError(t, settings.Decode([]byte(`{"email": "a@b.c"}`), &s))
	require.Equal(t, "a@b.c", s.Email)
}

func TestPaths(t *testing.T) {
	t.Parallel()
	p := settings.Paths{"Host": "imap.host", "Folders": "folders", "Password": "credentials"}
	for f, want := range map[string]string{
		"Host":       "imap.host",
		"Folders":    "folders",
		"Folders[2]": "folders[2]",
		"Password":   "credentials",
		"BatchSize":  "BatchSize",
		"Hostname":   "Hostname",
	} {
		require.Equal(t, want, p.Path(f), f)
	}
	e := &connector.ValidationError{Context: "x"}
	e.Addf("Host", "is required")
	e.Addf("Folders[0]", "is empty")
	e.Addf("Other", "is odd")
	wrapped := fmt.Errorf("wrapped: %w", e)
	require.Same(t, wrapped, p.Rename(wrapped))
	require.Equal(t, "x: imap.host is required; folders[0] is empty; Other is odd", e.Error())
	other := errors.New("other")
	require.Same(t, other, p.Rename(other))
}

func TestDefault(t *testing.T) {
	t.Parallel()
	e := &connector.ValidationError{Context: "x"}
	n, m, d, neg := 0, 7, time.Duration(0), -time.Second
	bad := -2
	settings.Default(e, "N", &n, 5)
	settings.Default(e, "M", &m, 5)
	settings.Default(e, "D", &d, time.Minute)
	settings.Default(e, "Neg", &neg, time.Minute)
	settings.Default(e, "Bad", &bad, 5)
	require.Equal(t, 5, n)
	require.Equal(t, 7, m)
	require.Equal(t, time.Minute, d)
	require.Equal(t, "x: Neg must not be negative, got -1s; Bad must not be negative, got -2", e.Error())
}

func TestAddress(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]string{
		" a@example.com ":     "",
		"":                    "E is required",
		"Ann <a@example.com>": `E must be a bare email address, got "Ann <a@example.com>"`,
		"not an address":      `E must be a bare email address, got "not an address"`,
		"<a@example.com>":     `E must be a bare email address, got "<a@example.com>"`,
	} {
		e := &connector.ValidationError{}
		s := v
		settings.Address(e, "E", &s)
		if want == "" {
			require.Empty(t, e.Fields, v)
			require.Equal(t, "a@example.com", s)
			continue
		}
		require.Len(t, e.Fields, 1, v)
		require.Equal(t, want, e.Fields[0].Field+" "+e.Fields[0].Message)
	}
}

func TestURL(t *testing.T) {
	t.Parallel()
	e := &connector.ValidationError{}
	v := ""
	require.True(t, settings.URL(e, "U", &v, "https://api.example/"))
	require.Equal(t, "https://api.example/", v)
	v = "http://127.0.0.1:8080/x"
	require.True(t, settings.URL(e, "U", &v, "https://api.example/"))
	require.Empty(t, e.Fields)
	for _, bad := range []string{"ftp://x", "https://", "example.com", "://"} {
		e := &connector.ValidationError{}
		v := bad
		require.False(t, settings.URL(e, "U", &v, "https://api.example/"), bad)
		require.Equal(t, []connector.FieldError{{Field: "U", Message: "must be an http(s) URL, got " + `"` + bad + `"`}}, e.Fields)
	}
}

func TestLogger(t *testing.T) {
	t.Parallel()
	require.Nil(t, settings.Logger(connector.Config{IntegrationID: "i1"}))
	var buf bytes.Buffer
	base := slog.New(slog.NewTextHandler(&buf, nil))
	require.Same(t, base, settings.Logger(connector.Config{Logger: base}))
	settings.Logger(connector.Config{Logger: base, IntegrationID: "i1"}).Info("hello")
	require.Contains(t, buf.String(), "integration_id=i1")
}

func TestInvalid(t *testing.T) {
	t.Parallel()
	err := error(settings.Invalid("smtp: settings", "settings", "must be a JSON object"))
	require.True(t, errors.Is(err, connector.ErrPermanent))
	require.Equal(t, "smtp: settings: settings must be a JSON object", err.Error())
}
