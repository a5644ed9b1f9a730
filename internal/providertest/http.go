package providertest

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
	"time"
)

// BearerToken returns r's bearer token, or false when it has none.
func BearerToken(r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return tok, ok && tok != ""
}

// ClientAuthenticated reports whether a token request (its form parsed)
// authenticates as client id with secret: HTTP basic authentication, or
// client_id and client_secret in the form.
func ClientAuthenticated(r *http.Request, id, secret string) bool {
	gotID, gotSecret, ok := r.BasicAuth()
	if !ok {
		gotID, gotSecret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return gotID == id && subtle.ConstantTimeCompare([]byte(gotSecret), []byte(secret)) == 1
}

// PKCEMatches reports whether verifier is the PKCE code verifier of the
// S256 challenge.
func PKCEMatches(challenge, verifier string) bool {
	sum := sha256.Sum256([]byte(verifier))
	return verifier != "" && subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(challenge)) == 1
}

// Sleep waits d, or until ctx is done; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
