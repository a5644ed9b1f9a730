package gmailtest

import "golang.org/x/oauth2"

// IssueToken returns a new access token and refresh token for email's
// mailbox (created if needed), as a completed OAuth consent would.
func (s *Server) IssueToken(email string) *oauth2.Token {
	mb := s.AddUser(email)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens.Issue(mb.email)
}

// ExpireToken makes the API reject accessToken with 401 from now on,
// though the client still believes it valid: a token revoked or expired
// early.
func (s *Server) ExpireToken(accessToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens.Expire(accessToken)
}

// RevokeGrant revokes every access and refresh token of email: the API
// answers 401 and the token endpoint invalid_grant, as after the user
// removed the app's access.
func (s *Server) RevokeGrant(email string) {
	user := normUser(email)
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

// Authorized reports whether email's account has granted the OAuth
// client access that still works: an access or refresh token the
// server would accept. A revoked grant (RevokeGrant, the revocation
// endpoint) has none.
func (s *Server) Authorized(email string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokens.Active(normUser(email))
}
