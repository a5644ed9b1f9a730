package outlooktest

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

type accessToken struct {
	user    string
	expiry  time.Time
	revoked bool
}

type refreshToken struct {
	user    string
	revoked bool
}

// IssueToken returns a new access token and refresh token for email's
// mailbox (created if needed), as a completed consent would.
func (s *Server) IssueToken(email string) *oauth2.Token {
	mb := s.AddUser(email)
	s.mu.Lock()
	defer s.mu.Unlock()
	tok := s.newAccessTokenLocked(mb.email)
	tok.RefreshToken = s.newRefreshTokenLocked(mb.email)
	return tok
}

func (s *Server) newAccessTokenLocked(user string) *oauth2.Token {
	at := "eyJ0eXAiOiJKV1Qi.outlooktest." + randomHex(16)
	exp := s.opts.Now().Add(s.opts.AccessTokenTTL)
	s.tokens[at] = &accessToken{user: user, expiry: exp}
	return &oauth2.Token{AccessToken: at, TokenType: "Bearer", Expiry: exp, ExpiresIn: int64(s.opts.AccessTokenTTL / time.Second)}
}

func (s *Server) newRefreshTokenLocked(user string) string {
	rt := "0.AXoA-outlooktest-" + randomHex(16)
	s.oauth.refresh[rt] = &refreshToken{user: user}
	return rt
}

// ExpireToken makes Graph reject accessToken with 401 from now on,
// though the client still believes it valid.
func (s *Server) ExpireToken(accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if at := s.tokens[accessToken]; at != nil {
		at.revoked = true
	}
}

// RevokeGrant revokes every access and refresh token of email: Graph
// answers 401 and the token endpoint invalid_grant (AADSTS50173), as
// after the user withdrew consent or changed the password.
func (s *Server) RevokeGrant(email string) {
	user := strings.ToLower(email)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.tokens {
		if at.user == user {
			at.revoked = true
		}
	}
	for _, rt := range s.oauth.refresh {
		if rt.user == user {
			rt.revoked = true
		}
	}
}

// RefreshTokenValid reports whether the token endpoint would accept rt.
func (s *Server) RefreshTokenValid(rt string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.oauth.refresh[rt]
	return t != nil && !t.revoked
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
