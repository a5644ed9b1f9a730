package xoauth2

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClientStart(t *testing.T) {
	t.Parallel()
	c := &Client{Username: "jane@example.com", Token: "ya29.token"}
	mech, ir, err := c.Start()
	require.NoError(t, err)
	require.Equal(t, "XOAUTH2", mech)
	require.Equal(t, "user=jane@example.com\x01auth=Bearer ya29.token\x01\x01", string(ir))

	_, _, err = (&Client{Username: "a", Token: "x\r\nA1 LOGOUT"}).Start()
	require.Error(t, err, "a token with a line break must not reach the wire")
}

func TestClientAnswersErrorChallengeWithEmptyResponse(t *testing.T) {
	t.Parallel()
	sent := 0
	c := &Client{Username: "u", Token: "t", EmptyResponse: func() error { sent++; return nil }}
	resp, err := c.Next([]byte(`{"status":"401","schemes":"bearer","scope":"https://mail.google.com/"}`))
	require.Nil(t, resp)
	require.Equal(t, 1, sent)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "401", e.Status)
	require.Equal(t, "https://mail.google.com/", e.Scope)
	require.Contains(t, err.Error(), "status 401")

	_, err = (&Client{}).Next([]byte("not json"))
	require.ErrorAs(t, err, &e)
	require.Equal(t, "not json", e.Raw)

	boom := errors.New("broken pipe")
	_, err = (&Client{EmptyResponse: func() error { return boom }}).Next([]byte(`{"status":"400"}`))
	require.ErrorIs(t, err, boom)
}

func TestServer(t *testing.T) {
	t.Parallel()
	auth := func(user, token string) error {
		if user == "jane" && token == "good" {
			return nil
		}
		return errors.New("invalid token")
	}

	s := NewServer(auth)
	ch, done, err := s.Next(Response("jane", "good"))
	require.NoError(t, err)
	require.True(t, done)
	require.Nil(t, ch)

	s = NewServer(auth)
	ch, done, err = s.Next(nil)
	require.NoError(t, err)
	require.False(t, done)
	require.Empty(t, ch)
	ch, done, err = s.Next(Response("jane", "bad"))
	require.NoError(t, err)
	require.False(t, done)
	require.JSONEq(t, `{"status":"401","schemes":"bearer"}`, string(ch))
	_, done, err = s.Next([]byte{})
	require.True(t, done)
	require.EqualError(t, err, "invalid token")

	s = NewServer(auth)
	_, _, _ = s.Next(Response("jane", "bad"))
	_, _, err = s.Next([]byte("="))
	require.ErrorIs(t, err, ErrUnexpectedResponse)

	_, _, err = NewServer(auth).Next([]byte("user=jane\x01auth=Basic x\x01\x01"))
	require.Error(t, err)
}
