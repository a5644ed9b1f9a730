package outlook

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/outlook/outlooktest"
)

// Each Graph error status maps to a connector kind, with the Retry-After
// and the Graph error body (code, request-id) kept.
func TestErrorMapping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status     int
		code       string
		retryAfter time.Duration
		kind       error
	}{
		{http.StatusBadRequest, "ErrorInvalidRequest", 0, connector.ErrPermanent},
		{http.StatusUnauthorized, "InvalidAuthenticationToken", 0, connector.ErrAuth},
		{http.StatusForbidden, "ErrorAccessDenied", 0, connector.ErrAuth},
		{http.StatusNotFound, "ErrorItemNotFound", 0, connector.ErrNotFound},
		{http.StatusConflict, "ErrorIrresolvableConflict", 0, connector.ErrTemporary},
		{http.StatusRequestEntityTooLarge, "RequestBodyTooLarge", 0, connector.ErrPermanent},
		{http.StatusTooManyRequests, "TooManyRequests", 7 * time.Second, connector.ErrRateLimited},
		{http.StatusInternalServerError, "generalException", 0, connector.ErrTemporary},
		{http.StatusNotImplemented, "NotImplemented", 0, connector.ErrPermanent},
		{http.StatusServiceUnavailable, "ServiceNotAvailable", 3 * time.Second, connector.ErrTemporary},
		{http.StatusGatewayTimeout, "GatewayTimeout", 0, connector.ErrTemporary},
	}
	f := newFixture(t, outlooktest.Options{}, nil)
	for _, tc := range cases {
		t.Run(http.StatusText(tc.status), func(t *testing.T) {
			f.srv.InjectFault(outlooktest.Fault{Op: "me", Status: tc.status, Code: tc.code, Message: "injected", RetryAfter: tc.retryAfter})
			err := f.c.Test(context.Background())
			require.ErrorIs(t, err, tc.kind)
			require.Equal(t, tc.kind, connector.KindOf(err))
			require.Equal(t, tc.retryAfter, connector.RetryAfter(err))
			var ge *GraphError
			require.ErrorAs(t, err, &ge)
			require.Equal(t, tc.status, ge.Status)
			require.Equal(t, tc.code, ge.Code)
			require.NotEmpty(t, ge.RequestID, "innerError request-id / request-id header")
			require.Equal(t, tc.status, StatusCode(err))
			require.Contains(t, err.Error(), "injected")
		})
	}
}

// A network failure is temporary; a cancelled context is not
// classified as a provider failure.
func TestErrorNetworkAndContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	f.srv.Close()
	err := f.c.Test(context.Background())
	require.ErrorIs(t, err, connector.ErrTemporary)

	g := newFixture(t, outlooktest.Options{}, nil)
	g.srv.InjectFault(outlooktest.Fault{Op: "me", Delay: time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err = g.c.Test(ctx)
	require.True(t, errors.Is(err, context.DeadlineExceeded), "got %v", err)
	require.Nil(t, connector.KindOf(err))
}
