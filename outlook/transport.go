package outlook

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
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
	inv, canRefresh := t.src.(invalidator)
	if !canRefresh {
		return t.base.RoundTrip(req)
	}
	req, err := rewindable(req)
	if err != nil {
		return nil, err
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	used := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !inv.invalidate(used) {
		return resp, nil
	}
	fresh, err := t.src.Token()
	if err != nil {
		drain(resp)
		return nil, fmt.Errorf("refreshing the OAuth 2.0 token after a 401: %w", err)
	}
	again := req.Clone(req.Context())
	fresh.SetAuthHeader(again)
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	drain(resp)
	return t.base.RoundTrip(again)
}

// rewindable returns req with a GetBody, reading its body into memory
// when it has none, so that it can be sent again after a refresh.
func rewindable(req *http.Request) (*http.Request, error) {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return req, nil
	}
	b, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	r := req.Clone(req.Context())
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	r.Body, _ = r.GetBody()
	r.ContentLength = int64(len(b))
	return r, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
