package server

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stretchr/testify/require"
)

// TestVerifiedTokenCache: a remembered token is refused once it expires,
// and a token differing from a remembered one in any byte is verified
// afresh (and refused when its signature does not match).
func TestVerifiedTokenCache(t *testing.T) {
	t.Parallel()
	cfg, err := LoadConfig(envFunc("JWT_SECRET=" + testSecret))
	require.NoError(t, err)
	a := newAuthenticator(cfg)

	tok, err := NewToken([]byte(testSecret), "t1", "agent", "", time.Hour)
	require.NoError(t, err)
	c, err := a.verify(tok)
	require.NoError(t, err)
	require.Equal(t, "t1", c.TenantID)
	again, err := a.verify(tok)
	require.NoError(t, err)
	require.Same(t, c, again, "the second verify is served from the cache")

	tampered := tok[:len(tok)-2] + "xx"
	_, err = a.verify(tampered)
	require.Error(t, err)

	// An entry past its expiry (and the leeway) is not trusted: the token
	// is parsed again, and refused as expired.
	expired, err := NewToken([]byte(testSecret), "t1", "agent", "", -time.Hour)
	require.NoError(t, err)
	a.verified[expired] = &Claims{TenantID: "t1", RegisteredClaims: jwt.RegisteredClaims{Subject: "agent", ExpiresAt: jwt.NewNumericDate(time.Now().Add(-time.Hour))}}
	_, err = a.verify(expired)
	require.ErrorIs(t, err, jwt.ErrTokenExpired)
}
