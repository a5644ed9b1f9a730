package oauthflow_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
)

func TestClassified(t *testing.T) {
	t.Parallel()
	ok, e := oauthflow.Classified("x: op", nil)
	require.True(t, ok)
	require.NoError(t, e)

	done := connector.AuthError("x: earlier", errors.New("no"))
	ok, e = oauthflow.Classified("x: op", fmt.Errorf("wrapped: %w", done))
	require.True(t, ok)
	require.ErrorIs(t, e, connector.ErrAuth)

	for _, ctxErr := range []error{context.Canceled, context.DeadlineExceeded} {
		ok, e = oauthflow.Classified("x: op", fmt.Errorf("get: %w", ctxErr))
		require.True(t, ok)
		require.ErrorIs(t, e, ctxErr)
		_, classified := errors.AsType[*connector.Error](e)
		require.False(t, classified, "a cancellation is no provider failure")
		require.Equal(t, "x: op: get: "+ctxErr.Error(), e.Error())
	}

	ok, _ = oauthflow.Classified("x: op", errors.New("a provider's error"))
	require.False(t, ok)
}

func TestRefreshFailed(t *testing.T) {
	t.Parallel()
	for status, want := range map[int]error{
		http.StatusBadRequest:          connector.ErrAuth, // invalid_grant
		http.StatusUnauthorized:        connector.ErrAuth,
		http.StatusTooManyRequests:     connector.ErrTemporary,
		http.StatusInternalServerError: connector.ErrTemporary,
		http.StatusServiceUnavailable:  connector.ErrTemporary,
	} {
		re := &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: "invalid_grant"}
		ok, e := oauthflow.RefreshFailed("x: op", fmt.Errorf("Get: %w", re))
		require.True(t, ok, status)
		require.ErrorIs(t, e, want, status)
		require.ErrorIs(t, e, re)
		require.Contains(t, e.Error(), "x: op")
		require.Contains(t, e.Error(), "refreshing the OAuth 2.0 token")
	}
	ok, e := oauthflow.RefreshFailed("x: op", &oauth2.RetrieveError{})
	require.True(t, ok)
	require.ErrorIs(t, e, connector.ErrAuth, "no response: refused")
	ok, _ = oauthflow.RefreshFailed("x: op", errors.New("other"))
	require.False(t, ok)
}
