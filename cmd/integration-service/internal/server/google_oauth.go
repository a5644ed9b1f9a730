package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/internal/mime"
	"github.com/ucsp/integration/store"
)

// oauthStateTTL is how long a started authorization may take.
const oauthStateTTL = 10 * time.Minute

// pendingMailbox is what an OAuth state keeps for the callback.
type pendingMailbox struct {
	Name string `json:"name,omitempty"`
	// Expected is the mailbox the sign-in must be: the email the tenant
	// stated, or the address of the integration it reauthorizes.
	Expected string `json:"expected,omitempty"`
	// ReturnURL is where the browser is sent back with the outcome (an
	// allowed return_url); "" answers the callback with JSON.
	ReturnURL string `json:"return_url,omitempty"`
	// Nonce is the OpenID Connect nonce the id_token must carry.
	Nonce string `json:"nonce,omitempty"`
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
	// start returns the authorization URL for the mailbox loginHint,
	// with nonce when the provider's identity token carries one, its
	// state and PKCE verifier.
	start func(conf *oauth2.Config, loginHint, nonce string) (url, state, verifier string)
	// exchange trades a code; a refused one is connector.ErrAuth.
	exchange func(ctx context.Context, conf *oauth2.Config, code, verifier string) (*oauth2.Token, error)
	// verify returns the verified address of the mailbox a new token
	// opens, which must be expected: a *gmail.MailboxMismatchError (the
	// same type as outlook's) otherwise.
	verify func(ctx context.Context, tok *oauth2.Token, expected, nonce string) (string, error)
	// settings is a new integration's config for address.
	settings func(address string) json.RawMessage
}

// google is the Google sign-in of the gmail provider. Its id_tokens are
// verified against GOOGLE_JWKS_URL's keys (fetched on first use, kept).
func (a *App) google() *oauthProvider {
	verifier, verr := gmail.NewIDTokenVerifier(gmail.IDTokenConfig{
		ClientID: a.cfg.Google.ID, Issuer: a.cfg.Gmail.Issuer, JWKSURL: a.cfg.Gmail.JWKSURL, Now: a.now,
	})
	return &oauthProvider{
		provider: providerGmail, label: "Google",
		configured: func() bool { return a.cfg.Google.ID != "" },
		conf:       func() *oauth2.Config { return googleOAuthConfig(a.cfg) },
		start: func(conf *oauth2.Config, hint, nonce string) (string, string, string) {
			// Consent every time: Google returns a refresh token on consent only.
			req := gmail.NewAuthRequest(conf, gmail.AuthOptions{LoginHint: hint, ForceConsent: true, Nonce: nonce})
			return req.URL, req.State, req.Verifier
		},
		exchange: gmail.Exchange,
		verify: func(ctx context.Context, tok *oauth2.Token, expected, nonce string) (string, error) {
			if verr != nil {
				return "", verr
			}
			return a.gmailSignIn(ctx, verifier, tok, expected, nonce)
		},
		settings: func(addr string) json.RawMessage {
			b, _ := json.Marshal(gmail.Settings{Email: addr}) // cannot fail
			return b
		},
	}
}

// oauthAuthorize returns GET /auth/{provider}/authorize, which starts
// connecting a mailbox for the caller's tenant: a single-use state bound
// to the tenant and to the mailbox it names, expiring in 10 minutes,
// with a PKCE verifier kept server-side (sealed). It redirects to the
// provider, or answers {"url","expires_at"} to a client that accepts
// JSON. Query: email (the mailbox that must sign in; required unless
// integration_id is given), name (of the integration to create),
// integration_id (to reauthorize an existing one: the mailbox is its
// address), return_url (where the browser goes back with the outcome;
// it must be under an entry of OAUTH_RETURN_URLS).
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
		expected := strings.TrimSpace(q.Get("email"))
		if expected != "" && !mime.ValidAddrSpec(expected) {
			errs = append(errs, fieldError{Field: "email", Message: "must be an email address"})
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
			case mailboxAddress(in.Provider, in.Config) == "":
				errs = append(errs, fieldError{Field: "integration_id", Message: "names an integration without a mailbox address"})
			default:
				addr := mailboxAddress(in.Provider, in.Config)
				if expected != "" && !strings.EqualFold(expected, addr) {
					errs = append(errs, fieldError{Field: "email", Message: "must be the address of the integration reauthorized, or be left out"})
				}
				expected = addr
			}
		} else if expected == "" {
			errs = append(errs, fieldError{Field: "email", Message: "is required: the address of the mailbox that must sign in"})
		}
		returnURL, errs := a.checkReturnURL(q, errs)
		if len(errs) > 0 {
			writeProblem(w, r, http.StatusBadRequest, probInvalidRequest, "invalid query parameters", errs...)
			return
		}
		if id == "" && !a.roomForMailbox(w, r, p.provider, expected) {
			return
		}
		// The nonce binds Google's id_token to this state; Microsoft's
		// address comes from Graph, and its start ignores it.
		conf, nonce := p.conf(), gmail.NewState()
		authURL, state, verifier := p.start(conf, expected, nonce)
		data, _ := json.Marshal(pendingMailbox{Name: name, Expected: expected, ReturnURL: returnURL, Nonce: nonce}) // cannot fail
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

// checkReturnURL returns the query's return_url when it is allowed
// (see returnAllowList), or adds the reason it is not to errs.
func (a *App) checkReturnURL(q url.Values, errs []fieldError) (string, []fieldError) {
	raw := q.Get("return_url")
	switch {
	case raw == "":
		return "", errs
	case len(a.cfg.OAuthReturnURLs) == 0:
		return "", append(errs, fieldError{Field: "return_url", Message: "is not accepted: this server allows no return URL (OAUTH_RETURN_URLS)"})
	}
	u, ok := a.cfg.OAuthReturnURLs.allows(raw)
	if !ok {
		return "", append(errs, fieldError{Field: "return_url", Message: "must be an http(s) URL under one of the server's allowed return URLs (OAUTH_RETURN_URLS)"})
	}
	return u.String(), errs
}

// oauthCallback returns GET /auth/{provider}/callback, which finishes
// what oauthAuthorize started (see finishSignIn): the state is consumed
// (a second use fails), the code exchanged with the PKCE verifier, the
// signed-in mailbox's verified address compared with the one the state
// expects, and the tenant's integration of that mailbox created (201)
// or given the new tokens (200), sealed; then its push registration
// starts and its first sync is enqueued. A bad, used or expired state,
// a denied consent, a refused code and another mailbox than expected
// each get a problem and create and change nothing. A state started
// with a return_url sends the browser there instead (303), with the
// outcome in the query (status, provider, integration_id or error).
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
		var pending pendingMailbox
		_ = json.Unmarshal(st.Data, &pending) // written by oauthAuthorize
		var back *url.URL
		if pending.ReturnURL != "" {
			back, _ = url.Parse(pending.ReturnURL) // checked by oauthAuthorize
		}
		in, created, fail := a.finishSignIn(ctx, p, st, pending, q)
		switch {
		case fail != nil && back != nil:
			if fail.err != nil && fail.typ == probInternal {
				a.logger.ErrorContext(ctx, "connecting a signed-in mailbox failed", "provider", p.provider, "error", fail.err)
			}
			http.Redirect(w, r, withOutcome(back, p.provider, "", fail.typ), http.StatusSeeOther)
		case fail != nil && fail.err != nil:
			a.storeError(w, r, fail.err, "integration")
		case fail != nil && fail.quota != nil:
			fail.quota.write(w, r)
		case fail != nil:
			writeProblem(w, r, fail.status, fail.typ, fail.detail)
		case back != nil:
			http.Redirect(w, r, withOutcome(back, p.provider, in.ID, ""), http.StatusSeeOther)
		case created:
			w.Header().Set("Location", "/api/v1/integrations/"+in.ID)
			writeJSON(w, http.StatusCreated, a.integrationView(in))
		default:
			writeJSON(w, http.StatusOK, a.integrationView(in))
		}
	}
}

// gmailSignIn returns the address of the mailbox tok opens, verified
// (gmail.VerifySignIn: the id_token's verified email, which must be
// expected, and users.getProfile's address, which must be the same).
func (a *App) gmailSignIn(ctx context.Context, v *gmail.IDTokenVerifier, tok *oauth2.Token, expected, nonce string) (string, error) {
	id, err := gmail.VerifySignIn(ctx, tok, gmail.SignInCheck{
		Verifier: v, Nonce: nonce, Expected: expected,
		API: gmail.Config{Endpoint: a.cfg.Gmail.APIURL, MaxRetries: 2},
	})
	if err != nil {
		return "", err
	}
	return strings.ToLower(id.Email), nil
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

// roomForMailbox answers 429 and returns false when connecting mailbox
// would create an integration the tenant has no room for; reconnecting
// one it has takes no room. The callback checks again: this check only
// spares the user a sign-in that could not end well.
func (a *App) roomForMailbox(w http.ResponseWriter, r *http.Request, provider, mailbox string) bool {
	existing, err := a.findMailbox(r.Context(), provider, TenantID(r.Context()), "", mailbox)
	switch {
	case err != nil:
		a.storeError(w, r, err, "integration")
		return false
	case existing != nil:
		return true
	}
	return a.allowIntegration(w, r)
}
