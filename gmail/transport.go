package gmail

import (
	"bytes"
	"io"
	"net/http"

	"golang.org/x/oauth2"
)

// authTransport adds the bearer token to each request. When the API
// answers 401 and the token source can be forced to refresh, it
// refreshes once and sends the request again with the new token.
type authTransport struct {
	base http.RoundTripper
	src  oauth2.TokenSource
}

// RoundTrip sends req with a bearer token.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	tok, err := t.src.Token()
	if err != nil {
		closeBody(req)
		return nil, err
	}
	inv, canRefresh := t.src.(invalidator)
	if canRefresh {
		if req, err = rewindable(req); err != nil {
			return nil, err
		}
	}
	resp, err := t.base.RoundTrip(withToken(req, tok))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !canRefresh || !inv.invalidate(tok) {
		return resp, err
	}
	fresh, err := t.src.Token()
	if err != nil {
		drain(resp)
		return nil, err
	}
	again := withToken(req, fresh)
	if req.GetBody != nil {
		if again.Body, err = req.GetBody(); err != nil {
			return resp, nil
		}
	}
	drain(resp)
	return t.base.RoundTrip(again)
}

// rewindable returns req with a GetBody, reading its body into memory
// when it has none (the generated client sets none for JSON bodies), so
// that it can be sent again after a refresh.
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

func withToken(req *http.Request, tok *oauth2.Token) *http.Request {
	r := req.Clone(req.Context())
	tok.SetAuthHeader(r)
	return r
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
