package gmail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
)

// GoogleRevokeURL is Google's OAuth 2.0 token revocation endpoint.
const GoogleRevokeURL = "https://oauth2.googleapis.com/revoke"

// ErrNothingToRevoke is Revoke's error for a token without an access
// or refresh token.
var ErrNothingToRevoke = errors.New("gmail: revoke: the token is empty")

// Revoke revokes the grant behind tok at Google's revocation endpoint
// (revokeURL; "" means GoogleRevokeURL) with hc (nil means
// http.DefaultClient): it sends the refresh token when tok has one,
// else the access token, and Google then refuses every token of that
// grant (the user's consent to this OAuth client) and removes the app
// from the account's connected apps. Another integration of the same
// Google account under the same OAuth client shares the grant and
// loses access too.
//
// A token Google does not know (expired or revoked already: 400
// invalid_token) is an ErrAuth error, for callers that treat it as
// done; a failing endpoint (5xx, 429, network) ErrTemporary; any other
// refusal ErrPermanent.
func Revoke(ctx context.Context, hc *http.Client, revokeURL string, tok *oauth2.Token) error {
	const op = "gmail: revoke"
	if tok == nil || (tok.RefreshToken == "" && tok.AccessToken == "") {
		return ErrNothingToRevoke
	}
	if revokeURL == "" {
		revokeURL = GoogleRevokeURL
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	secret := tok.RefreshToken
	if secret == "" {
		secret = tok.AccessToken
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, strings.NewReader(url.Values{"token": {secret}}.Encode()))
	if err != nil {
		return connector.PermanentError(op, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", op, ctx.Err())
		}
		return connector.TemporaryError(op, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode == http.StatusOK {
		return nil
	}
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &e)
	cause := fmt.Errorf("%s: %s %s", resp.Status, oauthCode(e.Error), oauthCode(e.Description))
	switch {
	case resp.StatusCode == http.StatusBadRequest && e.Error == "invalid_token":
		return connector.AuthError(op, cause)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return connector.TemporaryError(op, cause)
	default:
		return connector.PermanentError(op, cause)
	}
}

// oauthCode returns at most 100 printable ASCII characters of an OAuth
// error field, for an error message.
func oauthCode(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 0x20 && c < 0x7f {
			b.WriteByte(c)
		}
		if b.Len() == 100 {
			break
		}
	}
	return b.String()
}
