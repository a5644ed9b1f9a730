package server

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStrictUnmarshal: what strictUnmarshal refuses, and the field and
// message it names, without echoing the value.
func TestStrictUnmarshal(t *testing.T) {
	t.Parallel()
	type address struct {
		Email string `json:"email"`
	}
	type request struct {
		Name        string            `json:"name"`
		To          []address         `json:"to"`
		Credentials map[string]string `json:"credentials"`
		From        *address          `json:"from"`
	}
	for _, c := range []struct {
		name, body string
		want       fieldError
	}{
		{"empty", "  ", fieldError{Field: "body", Message: "is empty; a JSON object is required"}},
		{"truncated", `{"name":`, fieldError{Field: "body", Message: "is truncated JSON"}},
		{"not JSON", `hello`, fieldError{Field: "body", Message: "is not valid JSON (syntax error at byte 0)"}},
		{"an array", `[]`, fieldError{Field: "body", Message: "must be an object, not an array"}},
		{"two values", `{"name":"a"}{"name":"b"}`, fieldError{Field: "body", Message: "is not valid JSON (syntax error at byte 12)"}},
		{"unknown field", `{"name":"a","owner":"secret-value"}`, fieldError{Field: "owner", Message: "is not a known field"}},
		{"unknown nested field", `{"from":{"email":"a@b.c","token":"secret-value"}}`, fieldError{Field: "from.token", Message: "is not a known field"}},
		{"wrong type", `{"name":5}`, fieldError{Field: "name", Message: "must be a string, not a number"}},
		{"wrong type in an array", `{"to":[{"email":"a@b.c"},{"email":true}]}`, fieldError{Field: "to[1].email", Message: "must be a string, not a boolean"}},
		{"wrong type in a map", `{"credentials":{"password":{}}}`, fieldError{Field: "credentials.password", Message: "must be a string, not an object"}},
		{"duplicate name", `{"name":"a","name":"b"}`, fieldError{Field: "name", Message: "is given twice"}},
		{"differently cased name", `{"Name":"a"}`, fieldError{Field: "Name", Message: "is not a known field"}},
	} {
		var v request
		fe, ok := strictUnmarshal([]byte(c.body), &v)
		require.False(t, ok, c.name)
		require.Equal(t, c.want, fe, c.name)
		require.NotContains(t, fe.Message, "secret-value", c.name)
	}

	var v request
	fe, ok := strictUnmarshal([]byte(` {"name":"a","to":[{"email":"x@y.z"}],"credentials":{"password":"p"}} `+"\n"), &v)
	require.True(t, ok, "%+v", fe)
	require.Equal(t, request{Name: "a", To: []address{{Email: "x@y.z"}}, Credentials: map[string]string{"password": "p"}}, v)
}
