package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/store"
)

// oauthStateTTL is how long a started authorization may take.
const oauthStateTTL = 10 * time.Minute

// pendingMailbox is what an OAuth state keeps for the callback.
type pendingMailbox struct {
	Name string `json:"name,omitempty"`
}

// authorizeStarted is the answer to an authorize request that asked for
// JSON: where to send the user, and until when the link works.
type authorizeStarted struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// googleOAuthConfig is the Google OAuth client of cfg, with the
// callback of this server and the endpoints cfg names.
func googleOAuthConfig(cfg *Config) *oauth2.Config {
	conf := gmail.OAuth2Config(cfg.Google.ID, cfg.Google.Secret, cfg.PublicBaseURL.String()+"/auth/google/callback")
	conf.Endpoint.AuthURL, conf.Endpoint.TokenURL = cfg.Gmail.AuthURL, cfg.Gmail.TokenURL
	return conf
}

// oauthProvider is one provider's part of the sign-in flow.
type oauthProvider struct {
	// provider is the integration provider it connects; label names
	// the identity provider in messages ("Google").
	provider, label string
	// configured reports whether the server has the OAuth client.
	configured func() bool
	// conf is the OAuth client with this server's callback.
	conf func() *oauth2.Config
	// start returns the authorization URL, its state and PKCE verifier.
	start func(conf *oauth2.Config, loginHint string) (url, state, verifier string)
	// exchange trades a code; a refused one is connector.ErrAuth.
	exchange func(ctx context.Context, conf *oauth2.Config, code, verifier string) (*oauth2.Token, error)
	// address reads the mailbox's address with a new token.
	address func(ctx context.Context, tok *oauth2.Token) (string, error)
	// settings is a new integration's config for address.
	settings func(address string) json.RawMessage
}

// google is the Google sign-in of the gmail provider.
func (a *App) google() *oauthProvider {
	return &oauthProvider{
		provider: providerGmail, label: "Google",
		configured: func() bool { return a.cfg.Google.ID != "" },
		conf:       func() *oauth2.Config { return googleOAuthConfig(a.cfg) },
		start: func(conf *oauth2.Config, hint string) (string, string, string) {
			// Consent every time: Google returns a refresh token on consent only.
			req := gmail.NewAuthRequest(conf, gmail.AuthOptions{LoginHint: hint, ForceConsent: true})
			return req.URL, req.State, req.Verifier
		},
		exchange: gmail.Exchange,
		address:  a.gmailAddress,
		settings: func(addr string) json.RawMessage {
			b, _ := json.Marshal(gmail.Settings{Email: addr}) // cannot fail
			return b
		},
	}
}

// oauthAuthorize returns GET /auth/{provider}/authorize, which starts
// connecting a mailbox for the caller's tenant: a single-use state bound
// to the tenant, expiring in 10 minutes, with a PKCE verifier kept
// server-side (sealed). It redirects to the provider, or answers
// {"url","expires_at"} to a client that accepts JSON. Query: name (of
// the integration to create), integration_id (to reauthorize an
// existing one), login_hint.
func (a *App) oauthAuthorize(p *oauthProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !p.configured() {
			writeProblem(w, r, http.StatusNotImplemented, probNotConfigured, p.label+" sign-in is not configured on this server")
			return
		}
		q, ctx, tenant := r.URL.Query(), r.Context(), TenantID(r.Context())
		var errs []fieldError
		name := ""
		if q.Get("name") != "" {
			name, errs = checkName(q.Get("name"), nil)
		}
		id := q.Get("integration_id")
		if id != "" {
			in, err := a.store.GetIntegration(ctx, tenant, id)
			switch {
			case errors.Is(err, store.ErrNotFound), err == nil && in.Provider != p.provider:
				errs = append(errs, fieldError{Field: "integration_id", Message: "must name a " + p.provider + " integration of the tenant"})
			case err != nil:
				a.storeError(w, r, err, "integration")
				return
			}
		}
		if len(errs) > 0 {
			writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "invalid query parameters", errs...)
			return
		}
		conf := p.conf()
		authURL, state, verifier := p.start(conf, q.Get("login_hint"))
		data, _ := json.Marshal(pendingMailbox{Name: name}) // cannot fail
		st := &store.OAuthState{
			State: state, TenantID: tenant, IntegrationID: id, Provider: p.provider,
			CodeVerifier: verifier, RedirectURI: conf.RedirectURL, Data: data,
			ExpiresAt: a.now().Add(oauthStateTTL).UTC(),
		}
		if err := a.store.CreateOAuthState(ctx, st); err != nil {
			a.storeError(w, r, err, "integration")
			return
		}
		if acceptsJSON(r) {
			writeJSON(w, http.StatusOK, authorizeStarted{URL: authURL, ExpiresAt: st.ExpiresAt})
			return
		}
		http.Redirect(w, r, authURL, http.StatusFound)
	}
}

// oauthCallback returns GET /auth/{provider}/callback, which finishes
// what oauthAuthorize started: the state is consumed (a second use
// fails), the code exchanged with the PKCE verifier, the mailbox's
// address read, and the tenant's integration of that mailbox created
// (201) or given the new tokens (200), sealed; then its push
// registration starts and its first sync is enqueued. A bad, used or
// expired state, a denied consent and a refused code each get a problem
// and create nothing.
func (a *App) oauthCallback(p *oauthProvider) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q, ctx := r.URL.Query(), r.Context()
		if q.Get("state") == "" {
			writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the state parameter is missing")
			return
		}
		st, err := a.store.ConsumeOAuthState(ctx, q.Get("state"), a.now())
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && st.Provider != p.provider):
			writeProblem(w, r, http.StatusBadRequest, probOAuthState, "the sign-in link is unknown, used or expired; start again")
			return
		case err != nil:
			a.storeError(w, r, err, "integration")
			return
		}
		if e := q.Get("error"); e != "" {
			writeProblem(w, r, http.StatusForbidden, probOAuthDenied, p.label+" sign-in was not completed ("+oauthErrorCode(e)+"); nothing was connected")
			return
		}
		if q.Get("code") == "" {
			writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "the code parameter is missing")
			return
		}
		tok, err := p.exchange(ctx, p.conf(), q.Get("code"), st.CodeVerifier)
		switch {
		case errors.Is(err, connector.ErrAuth):
			writeProblem(w, r, http.StatusBadRequest, probOAuthExchange, p.label+" refused the authorization code; start again")
			return
		case err != nil:
			a.logger.WarnContext(ctx, "oauth code exchange failed", "provider", p.provider, "error", err)
			writeProblem(w, r, http.StatusBadGateway, probOAuthExchange, p.label+"'s token endpoint failed; start again")
			return
		}
		addr, err := p.address(ctx, tok)
		if err != nil {
			a.logger.WarnContext(ctx, "reading the mailbox's address failed", "provider", p.provider, "error", err)
			writeProblem(w, r, http.StatusBadGateway, probOAuthExchange, "reading the mailbox's address failed; start again")
			return
		}
		var pending pendingMailbox
		_ = json.Unmarshal(st.Data, &pending) // written by oauthAuthorize
		in, created, err := a.connectMailbox(ctx, p, st, pending, addr, connector.Credentials{OAuth2: tok})
		var conflict *mailboxConflict
		switch {
		case errors.As(err, &conflict):
			writeProblem(w, r, http.StatusConflict, probConflict, conflict.Error())
			return
		case err != nil:
			a.storeError(w, r, err, "integration")
			return
		}
		a.startWatch(ctx, in)
		if _, err := a.enqueueSync(ctx, in.TenantID, in.ID); err != nil {
			a.logger.WarnContext(ctx, "enqueueing a new mailbox's first sync failed; the sweep will", "integration_id", in.ID, "error", err)
		}
		status := http.StatusOK
		if created {
			status = http.StatusCreated
			w.Header().Set("Location", "/api/v1/integrations/"+in.ID)
		}
		writeJSON(w, status, a.integrationView(in))
	}
}

// gmailAddress reads the address of the mailbox tok opens.
func (a *App) gmailAddress(ctx context.Context, tok *oauth2.Token) (string, error) {
	c, err := gmail.New(gmail.Config{
		Email:       "pending@oauth.invalid", // not known yet: Profile reads users/me
		TokenSource: oauth2.StaticTokenSource(tok),
		Endpoint:    a.cfg.Gmail.APIURL,
		MaxRetries:  2,
	})
	if err != nil {
		return "", err
	}
	p, err := c.Profile(ctx)
	if err != nil {
		return "", err
	}
	return strings.ToLower(p.Email), nil
}

// oauthErrorCode returns an OAuth error code as it may be shown: the
// code's own characters only, so that nothing can be injected.
func oauthErrorCode(e string) string {
	var b strings.Builder
	for _, c := range []byte(e) {
		if (c >= 'a' && c <= 'z') || c == '_' {
			b.WriteByte(c)
		}
		if b.Len() == 64 {
			break
		}
	}
	if b.Len() == 0 {
		return "error"
	}
	return b.String()
}

// acceptsJSON reports whether r asks for JSON rather than a redirect.
func acceptsJSON(r *http.Request) bool {
	return strings.Contains(r.Header.Get("Accept"), "application/json")
}
