package providertest

import (
	"crypto/rand"
	"encoding/hex"
	"time"

	"golang.org/x/oauth2"
)

// Tokens is the access and refresh tokens a fake OAuth 2.0 server
// issued, by token. Not safe for concurrent use.
type Tokens struct {
	accessPrefix, refreshPrefix string
	ttl                         time.Duration
	now                         func() time.Time

	access  map[string]*accessToken
	refresh map[string]*RefreshToken
}

type accessToken struct {
	user    string
	expiry  time.Time
	revoked bool
}

// RefreshToken is an issued refresh token.
type RefreshToken struct {
	// User is whose token it is.
	User string
	// Revoked makes the token endpoint refuse it.
	Revoked bool
}

// NewTokens returns an empty Tokens issuing access tokens
// accessPrefix+random hex that expire ttl after now(), and refresh
// tokens refreshPrefix+random hex.
func NewTokens(accessPrefix, refreshPrefix string, ttl time.Duration, now func() time.Time) *Tokens {
	return &Tokens{
		accessPrefix: accessPrefix, refreshPrefix: refreshPrefix, ttl: ttl, now: now,
		access: map[string]*accessToken{}, refresh: map[string]*RefreshToken{},
	}
}

// NewAccess issues an access token for user.
func (t *Tokens) NewAccess(user string) *oauth2.Token {
	at := t.accessPrefix + RandomHex(16)
	exp := t.now().Add(t.ttl)
	t.access[at] = &accessToken{user: user, expiry: exp}
	return &oauth2.Token{AccessToken: at, TokenType: "Bearer", Expiry: exp, ExpiresIn: int64(t.ttl / time.Second)}
}

// NewRefresh issues a refresh token for user.
func (t *Tokens) NewRefresh(user string) string {
	rt := t.refreshPrefix + RandomHex(16)
	t.refresh[rt] = &RefreshToken{User: user}
	return rt
}

// Issue issues an access token with a refresh token for user, as a
// completed consent would.
func (t *Tokens) Issue(user string) *oauth2.Token {
	tok := t.NewAccess(user)
	tok.RefreshToken = t.NewRefresh(user)
	return tok
}

// User returns the user of access token at when it is valid: issued,
// not revoked and not expired.
func (t *Tokens) User(at string) (string, bool) {
	a := t.access[at]
	if a == nil || a.revoked || t.now().After(a.expiry) {
		return "", false
	}
	return a.user, true
}

// Expire makes access token at invalid, though its client still
// believes it valid.
func (t *Tokens) Expire(at string) {
	if a := t.access[at]; a != nil {
		a.revoked = true
	}
}

// RevokeUser revokes every access and refresh token of user.
func (t *Tokens) RevokeUser(user string) {
	for _, a := range t.access {
		if a.user == user {
			a.revoked = true
		}
	}
	for _, r := range t.refresh {
		if r.User == user {
			r.Revoked = true
		}
	}
}

// Active reports whether user holds a token the server would accept: a
// valid access token or refresh token.
func (t *Tokens) Active(user string) bool {
	for _, a := range t.access {
		if a.user == user && !a.revoked && !t.now().After(a.expiry) {
			return true
		}
	}
	for _, r := range t.refresh {
		if r.User == user && !r.Revoked {
			return true
		}
	}
	return false
}

// Refresh returns refresh token rt when it is valid (issued and not
// revoked), nil otherwise.
func (t *Tokens) Refresh(rt string) *RefreshToken {
	r := t.refresh[rt]
	if r == nil || r.Revoked {
		return nil
	}
	return r
}

// RandomHex returns n random bytes in hex.
func RandomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
