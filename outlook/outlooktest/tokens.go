package outlooktest

import (
	"strings"

	"golang.org/x/oauth2"
)

// IssueToken returns a new access token and refresh token for email's
// mailbox (created if needed), as a completed consent would.
func (s *Server) IssueToken(email string) *oauth2.Token {
	mb := s.AddUser(email)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens.Issue(mb.email)
}

// ExpireToken makes Graph reject accessToken with 401 from now on,
// though the client still believes it valid.
func (s *Server) ExpireToken(accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens.Expire(accessToken)
}

// RevokeGrant revokes every access and refresh token of email: Graph
// answers 401 and the token endpoint invalid_grant (AADSTS50173), as
// after the user withdrew consent or changed the password.
func (s *Server) RevokeGrant(email string) {
	user := strings.ToLower(email)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens.RevokeUser(user)
}

// RefreshTokenValid reports whether the token endpoint would accept rt.
func (s *Server) RefreshTokenValid(rt string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens.Refresh(rt) != nil
}
