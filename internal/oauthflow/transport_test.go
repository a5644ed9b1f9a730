package oauthflow

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestRewindableAndResend(t *testing.T) {
	t.Parallel()
	req := httptest.NewRequest("POST", "https://api.example/send", io.NopCloser(strings.NewReader("payload")))
	req.GetBody = nil
	r, err := Rewindable(req)
	require.NoError(t, err)
	require.NotNil(t, r.GetBody)
	require.Equal(t, int64(len("payload")), r.ContentLength)

	var seen []string
	base := roundTripFunc(func(q *http.Request) (*http.Response, error) {
		b, err := io.ReadAll(q.Body)
		require.NoError(t, err)
		seen = append(seen, q.Header.Get("Authorization")+" "+string(b))
		return &http.Response{StatusCode: http.StatusOK, Body: io.NopCloser(strings.NewReader(""))}, nil
	})
	first, err := base.RoundTrip(WithToken(r, &oauth2.Token{AccessToken: "stale"}))
	require.NoError(t, err)
	resp, err := Resend(base, r, first, &oauth2.Token{AccessToken: "fresh"})
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, []string{"Bearer stale payload", "Bearer fresh payload"}, seen, "the same body again, with the fresh token")

	noBody := httptest.NewRequest("GET", "https://api.example/", nil)
	same, err := Rewindable(noBody)
	require.NoError(t, err)
	require.Same(t, noBody, same, "a request without a body is kept as it is")
}
