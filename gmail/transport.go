package gmail

import (
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
)

// authTransport adds the bearer token to each request, except to one
// that follows a redirect to another origin (scheme, host and port)
// than the request that began the redirect chain: the token goes only
// where the client was pointed. (http.Client strips the Authorization
// header it copies on such a redirect, but the header is added here, in
// the transport, on every round trip.) When the API answers 401 and
// the token source can be forced to refresh, it refreshes once and
// sends the request again with the new token.
type authTransport struct {
	base http.RoundTripper
	src  oauth2.TokenSource
}

// RoundTrip sends req with a bearer token.
func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if redirectedAway(req) {
		r := req.Clone(req.Context())
		r.Header.Del("Authorization")
		return t.base.RoundTrip(r)
	}
	tok, err := t.src.Token()
	if err != nil {
		closeBody(req)
		return nil, err
	}
	inv, canRefresh := t.src.(connector.TokenInvalidator)
	if canRefresh {
		if req, err = oauthflow.Rewindable(req); err != nil {
			return nil, err
		}
	}
	resp, err := t.base.RoundTrip(oauthflow.WithToken(req, tok))
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !canRefresh || !inv.Invalidate(tok.AccessToken) {
		return resp, err
	}
	fresh, err := t.src.Token()
	if err != nil {
		oauthflow.Drain(resp)
		return nil, err
	}
	return oauthflow.Resend(t.base, req, resp, fresh)
}

// redirectedAway reports whether req follows a redirect (http.Client
// sets Response on the requests it makes for one) to another origin
// than the first request of the chain.
func redirectedAway(req *http.Request) bool {
	first := req
	for first.Response != nil && first.Response.Request != nil {
		first = first.Response.Request
	}
	return first != req && !sameOrigin(first.URL, req.URL)
}

// sameOrigin reports whether a and b have the same scheme, host and
// port (a default port written or not).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	switch strings.ToLower(u.Scheme) {
	case "https":
		return "443"
	case "http":
		return "80"
	}
	return ""
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
