package outlook

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
)

// preferImmutableID asks Graph for immutable message ids, which stay the
// same when a message moves between folders.
const preferImmutableID = `IdType="ImmutableId"`

// limitTransport sits under kiota's middleware: each request (retries
// included) asks for immutable ids, waits for one of the connector's
// MaxConcurrency slots and the Limiter, and holds them until its
// response body is closed.
type limitTransport struct {
	base    http.RoundTripper
	sem     semaphore
	limiter Limiter
	mailbox string
}

// RoundTrip sends req within the limits.
func (t *limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	if err := t.sem.acquire(ctx); err != nil {
		closeBody(req)
		return nil, err
	}
	release := t.sem.release
	if t.limiter != nil {
		done, err := t.limiter.Acquire(ctx, t.mailbox)
		if err != nil {
			release()
			closeBody(req)
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, connector.RateLimitedError("outlook: limiter", 0, err)
		}
		release = func() { done(); t.sem.release() }
	}
	r := req.Clone(ctx)
	if !strings.Contains(strings.Join(r.Header.Values("Prefer"), ","), "IdType=") {
		r.Header.Add("Prefer", preferImmutableID)
	}
	resp, err := t.base.RoundTrip(r)
	if err != nil {
		release()
		return nil, err
	}
	resp.Body = &releasingBody{ReadCloser: resp.Body, release: release}
	return resp, nil
}

// releasingBody calls release once, when closed.
type releasingBody struct {
	io.ReadCloser
	once    sync.Once
	release func()
}

// Close closes the body and ends the request's slot.
func (b *releasingBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.release)
	return err
}

// authTransport sits between kiota's middleware and limitTransport.
// Kiota's auth provider set the bearer token; when Graph answers 401 and
// the token source can be forced to refresh, authTransport refreshes
// once and sends the request again with the new token.
type authTransport struct {
	base http.RoundTripper
	src  oauth2.TokenSource
}

// RoundTrip sends req, retrying a 401 once after a forced refresh.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	inv, canRefresh := t.src.(connector.TokenInvalidator)
	if !canRefresh {
		return t.base.RoundTrip(req)
	}
	req, err := oauthflow.Rewindable(req)
	if err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	used := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !inv.Invalidate(used) {
		return resp, nil
	}
	fresh, err := t.src.Token()
	if err != nil {
		oauthflow.Drain(resp)
		return nil, fmt.Errorf("refreshing the OAuth 2.0 token after a 401: %w", err)
	}
	return oauthflow.Resend(t.base, req, resp, fresh)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
