package gmailtest

import (
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/internal/providertest"
)

type oauthState struct {
	codes      map[string]*authCode
	user       string // who consents at the authorize endpoint
	deny       bool   // the user denies consent
	consented  map[string]bool
	unverified map[string]bool // users whose id_tokens say email_verified false
}

type authCode struct {
	user, clientID, redirectURI, challenge, scope, nonce string
	offline, force, used                                 bool
}

func newOAuthState() oauthState {
	return oauthState{codes: map[string]*authCode{}, consented: map[string]bool{}, unverified: map[string]bool{}}
}

// OAuthEndpoint returns the server's Google OAuth 2.0 endpoints, for an
// oauth2.Config.
func (s *Server) OAuthEndpoint() oauth2.Endpoint {
	return oauth2.Endpoint{AuthURL: s.URL + "/o/oauth2/auth", TokenURL: s.URL + "/token", AuthStyle: oauth2.AuthStyleInParams}
}

// OAuthConfig returns an oauth2.Config for the server's test client.
func (s *Server) OAuthConfig(redirectURL string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{ClientID: s.opts.ClientID, ClientSecret: s.opts.ClientSecret, Endpoint: s.OAuthEndpoint(), RedirectURL: redirectURL, Scopes: scopes}
}

// SetConsent says what the authorize endpoint does next: the user email
// (created if needed) signs in and grants access, or, with deny, refuses
// (the redirect carries error=access_denied). Without a SetConsent the
// endpoint uses the request's login_hint.
func (s *Server) SetConsent(email string, deny bool) {
	if email != "" {
		s.AddUser(email)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.user, s.oauth.deny = normUser(email), deny
}

// authorize is Google's authorization endpoint, consenting at once: it
// redirects to redirect_uri with a code and the state, or with
// error=access_denied.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.ClientID {
		http.Error(w, "Error 401: invalid_client. The OAuth client was not found.", http.StatusUnauthorized)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || redirect.Host == "" {
		http.Error(w, "Error 400: redirect_uri_mismatch", http.StatusBadRequest)
		return
	}
	if q.Get("response_type") != "code" {
		http.Error(w, "Error 400: unsupported_response_type", http.StatusBadRequest)
		return
	}
	if m := q.Get("code_challenge_method"); q.Get("code_challenge") != "" && m != "S256" {
		http.Error(w, "Error 400: invalid_request. code_challenge_method must be S256", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	user, deny := s.oauth.user, s.oauth.deny
	if user == "" {
		user = normUser(q.Get("login_hint"))
	}
	rq := redirect.Query()
	switch {
	case deny:
		rq.Set("error", "access_denied")
	case user == "" || s.users[user] == nil:
		s.mu.Unlock()
		http.Error(w, "gmailtest: no user to sign in (call SetConsent or pass login_hint)", http.StatusBadRequest)
		return
	default:
		code := "4/gmailtest-" + providertest.RandomHex(12)
		s.oauth.codes[code] = &authCode{
			user: user, clientID: q.Get("client_id"), redirectURI: q.Get("redirect_uri"),
			challenge: q.Get("code_challenge"), scope: q.Get("scope"), nonce: q.Get("nonce"),
			offline: q.Get("access_type") == "offline", force: q.Get("prompt") == "consent",
		}
		rq.Set("code", code)
		rq.Set("scope", q.Get("scope"))
	}
	s.mu.Unlock()
	if st := q.Get("state"); st != "" {
		rq.Set("state", st)
	}
	redirect.RawQuery = rq.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token is Google's token endpoint: authorization_code (with the PKCE
// check when the authorization had a code_challenge; a code works once;
// an id_token, signed with the key JWKSURL publishes, when the scopes
// include openid, with the email when they include email, and the
// authorization's nonce) and refresh_token (rotating the refresh token when
// Options.RotateRefreshTokens is set). A refresh token is issued on an
// offline authorization the first time a user consents, and again with
// prompt=consent, as Google does.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls["oauth2.token"]++
	s.mu.Unlock()
	if f := s.takeFault("oauth2.token", ""); f != nil {
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
	if !providertest.ClientAuthenticated(r, s.opts.ClientID, s.opts.ClientSecret) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The OAuth client was not found.")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		s.exchangeCode(w, r.PostForm)
	case "refresh_token":
		s.refresh(w, r.PostForm)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: "+r.PostForm.Get("grant_type"))
	}
}

func (s *Server) exchangeCode(w http.ResponseWriter, f url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.oauth.codes[f.Get("code")]
	switch {
	case c == nil || c.used:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Malformed auth code.")
		return
	case c.redirectURI != f.Get("redirect_uri"):
		oauthError(w, http.StatusBadRequest, "redirect_uri_mismatch", "Bad Request")
		return
	case c.challenge != "" && !providertest.PKCEMatches(c.challenge, f.Get("code_verifier")):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Invalid code verifier.")
		return
	case c.challenge == "" && f.Get("code_verifier") != "":
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code_verifier given without a code_challenge.")
		return
	}
	c.used = true
	tok := s.tokens.NewAccess(c.user)
	if c.offline && (c.force || !s.oauth.consented[c.user]) {
		tok.RefreshToken = s.tokens.NewRefresh(c.user)
	}
	s.oauth.consented[c.user] = true
	body := tokenBody(tok, c.scope)
	if hasScope(c.scope, "openid") {
		claims := s.idClaims(c.user, hasScope(c.scope, "email"))
		claims["at_hash"] = atHash(tok.AccessToken)
		if c.nonce != "" {
			claims["nonce"] = c.nonce
		}
		body["id_token"] = s.SignIDToken(claims)
	}
	writeTokenBody(w, body)
}

func (s *Server) refresh(w http.ResponseWriter, f url.Values) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rt := s.tokens.Refresh(f.Get("refresh_token"))
	if rt == nil {
		oauthError(w, http.StatusBadRequest, "invalid_grant", "Token has been expired or revoked.")
		return
	}
	tok := s.tokens.NewAccess(rt.User)
	if s.opts.RotateRefreshTokens {
		rt.Revoked = true
		tok.RefreshToken = s.tokens.NewRefresh(rt.User)
	}
	writeTokenBody(w, tokenBody(tok, f.Get("scope")))
}

func tokenBody(tok *oauth2.Token, scope string) map[string]any {
	body := map[string]any{"access_token": tok.AccessToken, "token_type": "Bearer", "expires_in": tok.ExpiresIn}
	if tok.RefreshToken != "" {
		body["refresh_token"] = tok.RefreshToken
	}
	if scope != "" {
		body["scope"] = strings.TrimSpace(scope)
	}
	return body
}

func writeTokenBody(w http.ResponseWriter, body map[string]any) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

func oauthError(w http.ResponseWriter, code int, e, desc string) {
	writeJSON(w, code, map[string]string{"error": e, "error_description": desc})
}
