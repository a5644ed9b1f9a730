package gmailtest

import (
	"net/http"

	"github.com/ucsp/integration/internal/providertest"
)

// RevokeURL is the server's token revocation endpoint, as Google's
// https://oauth2.googleapis.com/revoke.
func (s *Server) RevokeURL() string { return s.URL + "/revoke" }

// revoke is Google's revocation endpoint: POST with token (an access or
// a refresh token; in the form, or in the query) revokes the grant it
// belongs to, every access and refresh token of it, and answers 200
// {}; a token that is unknown, expired or revoked already answers 400
// invalid_token, as Google does. Calls are counted as "oauth2.revoke"
// and take its faults.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls["oauth2.revoke"]++
	s.mu.Unlock()
	if f := s.takeFault("oauth2.revoke", ""); f != nil {
		if !providertest.Sleep(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			oauthError(w, f.Status, "internal_failure", f.Message)
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	tok := r.Form.Get("token")
	s.mu.Lock()
	defer s.mu.Unlock()
	user, ok := s.tokens.User(tok)
	if !ok {
		if rt := s.tokens.Refresh(tok); rt != nil {
			user, ok = rt.User, true
		}
	}
	if tok == "" || !ok {
		oauthError(w, http.StatusBadRequest, "invalid_token", "Token expired or revoked")
		return
	}
	// The fake has one OAuth client: a user's grant is every token of
	// the user.
	s.tokens.RevokeUser(user)
	writeJSON(w, http.StatusOK, map[string]any{})
}
