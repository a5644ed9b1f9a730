package oauthflow

import (
	"bytes"
	"io"
	"net/http"

	"golang.org/x/oauth2"
)

// Rewindable returns req with a GetBody, reading its body into memory
// when it has none (generated API clients often set none), so that it
// can be sent again after a forced token refresh.
func Rewindable(req *http.Request) (*http.Request, error) {
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

// WithToken returns a copy of req carrying tok's Authorization header.
func WithToken(req *http.Request, tok *oauth2.Token) *http.Request {
	r := req.Clone(req.Context())
	tok.SetAuthHeader(r)
	return r
}

// Resend sends req (made Rewindable) again through base with the fresh
// token, after resp, the 401 the stale one got. When req's body cannot
// be had again, resp is returned as it is; otherwise resp is drained
// and closed.
func Resend(base http.RoundTripper, req *http.Request, resp *http.Response, fresh *oauth2.Token) (*http.Response, error) {
	again := WithToken(req, fresh)
	if req.GetBody != nil {
		var err error
		if again.Body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	Drain(resp)
	return base.RoundTrip(again)
}

// Drain reads what is left of resp's body (up to 64 KiB, so that the
// connection can be reused) and closes it.
func Drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}
