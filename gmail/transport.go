package gmail

import (
	"net/http"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
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

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}
