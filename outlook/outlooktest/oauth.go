package outlooktest

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/internal/providertest"
)

type oauthState struct {
	codes map[string]*authCode
	user  string // who signs in at the authorize endpoint
	deny  bool
}

type authCode struct {
	user, redirectURI, challenge, scope string
	used                                bool
}

func newOAuthState() oauthState {
	return oauthState{codes: map[string]*authCode{}}
}

// OAuthEndpoint returns the server's Microsoft identity platform v2.0
// endpoints for tenant ("common", "organizations" or a tenant id), for
// an oauth2.Config.
func (s *Server) OAuthEndpoint(tenant string) oauth2.Endpoint {
	base := s.URL + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/"
	return oauth2.Endpoint{AuthURL: base + "authorize", TokenURL: base + "token", AuthStyle: oauth2.AuthStyleInParams}
}

// OAuthConfig returns an oauth2.Config for the server's test client.
func (s *Server) OAuthConfig(redirectURL string, scopes ...string) *oauth2.Config {
	return &oauth2.Config{ClientID: s.opts.ClientID, ClientSecret: s.opts.ClientSecret, Endpoint: s.OAuthEndpoint("common"), RedirectURL: redirectURL, Scopes: scopes}
}

// SetConsent says who signs in at the authorize endpoint next: email
// (created if needed) consents, or, with deny, refuses (the redirect
// carries error=access_denied). Without it the login_hint signs in.
func (s *Server) SetConsent(email string, deny bool) {
	if email != "" {
		s.AddUser(email)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.oauth.user, s.oauth.deny = strings.ToLower(email), deny
}

// authorize is the authorization endpoint, consenting at once. It
// requires PKCE (S256), as Microsoft does for public and SPA clients.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.opts.ClientID {
		http.Error(w, "AADSTS700016: Application with identifier '"+q.Get("client_id")+"' was not found in the directory.", http.StatusBadRequest)
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || redirect.Host == "" {
		http.Error(w, "AADSTS50011: The redirect URI specified in the request does not match.", http.StatusBadRequest)
		return
	}
	rq := redirect.Query()
	s.mu.Lock()
	user, deny := s.oauth.user, s.oauth.deny
	if user == "" {
		user = strings.ToLower(q.Get("login_hint"))
	}
	switch {
	case q.Get("response_type") != "code":
		rq.Set("error", "unsupported_response_type")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		rq.Set("error", "invalid_request")
		rq.Set("error_description", "AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption.")
	case deny:
		rq.Set("error", "access_denied")
		rq.Set("error_description", "AADSTS65004: User declined to consent to access the app.")
	case user == "" || s.users[user] == nil:
		s.mu.Unlock()
		http.Error(w, "outlooktest: no user to sign in (call SetConsent or pass login_hint)", http.StatusBadRequest)
		return
	default:
		code := "0.AXoA-code-" + providertest.RandomHex(12)
		s.oauth.codes[code] = &authCode{user: user, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), scope: q.Get("scope")}
		rq.Set("code", code)
	}
	s.mu.Unlock()
	if st := q.Get("state"); st != "" {
		rq.Set("state", st)
	}
	redirect.RawQuery = rq.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// token is the token endpoint: authorization_code (PKCE checked, a code
// works once) and refresh_token. Every refresh returns a new refresh
// token, as Microsoft's does; the old one stays valid unless
// Options.RevokeUsedRefreshTokens.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests = append(s.requests, Request{Op: "oauth2.token", Method: r.Method, Path: r.URL.Path})
	s.mu.Unlock()
	if f := s.takeFault("oauth2.token", ""); f != nil {
		if !providertest.Sleep(r.Context(), f.Delay) {
			return
		}
		if f.Status != 0 {
			oauthError(w, f.Status, "temporarily_unavailable", "AADSTS50196: The server terminated an operation because it encountered a client request loop.", 50196)
			return
		}
	}
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain a valid form.", 900144)
		return
	}
	if !providertest.ClientAuthenticated(r, s.opts.ClientID, s.opts.ClientSecret) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.", 7000215)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := r.PostForm
	switch f.Get("grant_type") {
	case "authorization_code":
		c := s.oauth.codes[f.Get("code")]
		switch {
		case c == nil || c.used:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.", 70008)
		case c.redirectURI != f.Get("redirect_uri"):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS50011: The redirect URI does not match the one of the authorization.", 50011)
		case !providertest.PKCEMatches(c.challenge, f.Get("code_verifier")):
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.", 501481)
		default:
			c.used = true
			s.writeTokenLocked(w, c.user, c.scope)
		}
	case "refresh_token":
		rt := s.tokens.Refresh(f.Get("refresh_token"))
		if rt == nil {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "AADSTS50173: The provided grant has expired due to it being revoked.", 50173)
			return
		}
		if s.opts.RevokeUsedRefreshTokens {
			rt.Revoked = true
		}
		s.writeTokenLocked(w, rt.User, f.Get("scope"))
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.", 70003)
	}
}

func (s *Server) writeTokenLocked(w http.ResponseWriter, user, scope string) {
	tok := s.tokens.NewAccess(user)
	body := map[string]any{"token_type": "Bearer", "scope": strings.TrimSpace(scope), "expires_in": tok.ExpiresIn, "ext_expires_in": tok.ExpiresIn, "access_token": tok.AccessToken}
	if strings.Contains(" "+scope+" ", " offline_access ") || scope == "" {
		body["refresh_token"] = s.tokens.NewRefresh(user)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, body)
}

// oauthError writes the identity platform's error body.
func oauthError(w http.ResponseWriter, status int, e, desc string, code int) {
	writeJSON(w, status, map[string]any{
		"error": e, "error_description": desc, "error_codes": []int{code},
		"timestamp": time.Now().UTC().Format("2006-01-02 15:04:05Z"), "trace_id": newRequestID(), "correlation_id": newRequestID(),
	})
}
