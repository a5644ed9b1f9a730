package connector_test

import (
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	cause := io.ErrUnexpectedEOF
	cases := []struct {
		err       error
		kind      error
		retryable bool
	}{
		{connector.AuthError("imap: login", cause), connector.ErrAuth, false},
		{connector.TemporaryError("imap: fetch", cause), connector.ErrTemporary, true},
		{connector.PermanentError("smtp: send", cause), connector.ErrPermanent, false},
		{connector.NotFoundError("gmail: get", cause), connector.ErrNotFound, false},
		{connector.RateLimitedError("gmail: list", 3*time.Second, cause), connector.ErrRateLimited, true},
		{connector.NewError(connector.ErrUnsupported, "x: y", nil), connector.ErrUnsupported, false},
	}
	for _, c := range cases {
		t.Run(c.kind.Error(), func(t *testing.T) {
			t.Parallel()
			wrapped := fmt.Errorf("sync integration 42: %w", c.err)
			require.ErrorIs(t, wrapped, c.kind)
			require.Equal(t, c.kind, connector.KindOf(wrapped))
			require.Equal(t, c.retryable, connector.IsRetryable(wrapped))
			for _, other := range []error{connector.ErrAuth, connector.ErrTemporary, connector.ErrPermanent, connector.ErrNotFound, connector.ErrRateLimited, connector.ErrUnsupported} {
				if other != c.kind {
					require.NotErrorIs(t, wrapped, other)
				}
			}
			if errors.Unwrap(c.err) == nil {
				var e *connector.Error
				require.ErrorAs(t, wrapped, &e)
				if e.Err != nil {
					require.ErrorIs(t, wrapped, cause, "the underlying error must stay reachable")
				}
			}
		})
	}
}

func TestErrorMessageAndRetryAfter(t *testing.T) {
	t.Parallel()
	err := connector.RateLimitedError("gmail: history.list", 2500*time.Millisecond, errors.New("429 Too Many Requests"))
	require.Equal(t, "gmail: history.list: 429 Too Many Requests (rate limited), retry after 2.5s", err.Error())
	require.Equal(t, 2500*time.Millisecond, connector.RetryAfter(fmt.Errorf("wrapped: %w", err)))
	require.Zero(t, connector.RetryAfter(errors.New("plain")))
	require.Nil(t, connector.KindOf(errors.New("plain")))
	require.Nil(t, connector.KindOf(nil))
	require.Equal(t, "connector: re-authorisation required", connector.NewError(connector.ErrAuth, "", nil).Error())
	require.Equal(t, "imap: login (re-authorisation required)", connector.NewError(connector.ErrAuth, "imap: login", nil).Error())
}
