package signin

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/ucsp/integration/internal/oauthflow"
	"github.com/ucsp/integration/store"
)

// StartRequest is a sign-in to start: for a tenant, bound to the
// mailbox it states.
type StartRequest struct {
	// Provider is the provider of the integration to connect ("gmail").
	Provider string
	// TenantID is the tenant that asks; the integration will be its.
	TenantID string
	// Email is the mailbox that must sign in. Required unless
	// IntegrationID is given; then it may be left out, or must be that
	// integration's address.
	Email string
	// IntegrationID names the tenant's integration to reauthorize: the
	// mailbox is its address.
	IntegrationID string
	// Name is the name of the integration to create ("" means "<Label>
	// <address>"); Options.CheckName checks it.
	Name string
	// ReturnURL is where the browser is sent back with the outcome; it
	// must be under an entry of Options.ReturnURLs. "": the caller
	// answers the callback itself.
	ReturnURL string
}

// Started is a sign-in started: where to send the user, and until when
// the link works.
type Started struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// pending is what a state keeps for Finish, as JSON in
// store.OAuthState.Data. The integration service has stored states of
// this shape since before this package.
type pending struct {
	Name string `json:"name,omitempty"`
	// Expected is the mailbox the sign-in must be: the email the tenant
	// stated, or the address of the integration it reauthorizes.
	Expected string `json:"expected,omitempty"`
	// ReturnURL is where the browser is sent back with the outcome; ""
	// none.
	ReturnURL string `json:"return_url,omitempty"`
	// Nonce is the OpenID Connect nonce the id_token must carry.
	Nonce string `json:"nonce,omitempty"`
}

// Start begins connecting a mailbox for req.TenantID: a single-use state
// bound to the tenant and to the mailbox req names, expiring after
// Options.StateTTL, with the PKCE verifier, the expected mailbox and an
// OpenID Connect nonce kept in the store (sealed, as the store keeps a
// verifier). Send the user to the URL it returns.
//
// A request it cannot start is an *Error: ErrNotConfigured,
// ErrInvalid with the wrong parameters in Fields (all of them), ErrQuota
// when a new mailbox would create an integration the tenant has no room
// for (reconnecting one it has takes none), or a store failure.
func (f *Flow) Start(ctx context.Context, req StartRequest) (*Started, error) {
	p := f.providers[req.Provider]
	if p == nil || p.OAuth2 == nil {
		label := req.Provider
		if p != nil {
			label = p.label()
		}
		return nil, &Error{Kind: ErrNotConfigured, Provider: req.Provider, Detail: label + " sign-in is not configured on this server"}
	}
	var fields []FieldError
	name := ""
	if req.Name != "" {
		var err error
		if name, err = f.checkName(req.Name); err != nil {
			fields = append(fields, FieldError{Field: "name", Message: err.Error()})
		}
	}
	expected := strings.TrimSpace(req.Email)
	if expected != "" && !validAddress(expected) {
		fields = append(fields, FieldError{Field: "email", Message: "must be an email address"})
	}
	if id := req.IntegrationID; id != "" {
		in, err := f.store.GetIntegration(ctx, req.TenantID, id)
		switch {
		case errors.Is(err, store.ErrNotFound), err == nil && in.Provider != p.Name:
			fields = append(fields, FieldError{Field: "integration_id", Message: "must name a " + p.Name + " integration of the tenant"})
		case err != nil:
			return nil, storeFailure(p, nil, err)
		case p.Address(in.Config) == "":
			fields = append(fields, FieldError{Field: "integration_id", Message: "names an integration without a mailbox address"})
		default:
			addr := p.Address(in.Config)
			if expected != "" && !strings.EqualFold(expected, addr) {
				fields = append(fields, FieldError{Field: "email", Message: "must be the address of the integration reauthorized, or be left out"})
			}
			expected = addr
		}
	} else if expected == "" {
		fields = append(fields, FieldError{Field: "email", Message: "is required: the address of the mailbox that must sign in"})
	}
	returnURL, fields := f.checkReturnURL(req.ReturnURL, fields)
	if len(fields) > 0 {
		return nil, &Error{Kind: ErrInvalid, Provider: p.Name, Detail: "invalid sign-in request", Fields: fields}
	}
	if req.IntegrationID == "" {
		if err := f.roomFor(ctx, p, req.TenantID, expected); err != nil {
			return nil, err
		}
	}
	// The nonce binds an OpenID Connect id_token to this state; a
	// provider whose address comes from its API ignores it.
	nonce := oauthflow.NewState()
	ar := p.Authorize(p.OAuth2, expected, nonce)
	data, _ := json.Marshal(pending{Name: name, Expected: expected, ReturnURL: returnURL, Nonce: nonce}) // cannot fail
	st := &store.OAuthState{
		State: ar.State, TenantID: req.TenantID, IntegrationID: req.IntegrationID, Provider: p.Name,
		CodeVerifier: ar.Verifier, RedirectURI: p.OAuth2.RedirectURL, Data: data,
		ExpiresAt: f.now().Add(f.ttl).UTC(),
	}
	if err := f.store.CreateOAuthState(ctx, st); err != nil {
		return nil, storeFailure(p, nil, err)
	}
	return &Started{URL: ar.URL, ExpiresAt: st.ExpiresAt}, nil
}

// checkReturnURL returns raw when it is allowed, or adds the reason it
// is not to fields.
func (f *Flow) checkReturnURL(raw string, fields []FieldError) (string, []FieldError) {
	switch {
	case raw == "":
		return "", fields
	case len(f.returns) == 0:
		return "", append(fields, FieldError{Field: "return_url", Message: "is not accepted: this server allows no return URL (OAUTH_RETURN_URLS)"})
	}
	u, ok := f.returns.Allows(raw)
	if !ok {
		return "", append(fields, FieldError{Field: "return_url", Message: "must be an http(s) URL under one of the server's allowed return URLs (OAUTH_RETURN_URLS)"})
	}
	return u.String(), fields
}

// roomFor returns an *Error unless the tenant has an integration of
// mailbox already, or room for one more.
func (f *Flow) roomFor(ctx context.Context, p *Provider, tenant, mailbox string) error {
	existing, err := f.findMailbox(ctx, p, tenant, "", mailbox)
	switch {
	case err != nil:
		return storeFailure(p, nil, err)
	case existing != nil:
		return nil
	}
	return f.checkRoom(ctx, p, tenant, nil)
}

// checkRoom returns Options.Room's refusal as an ErrQuota *Error, and
// its failure as a store failure.
func (f *Flow) checkRoom(ctx context.Context, p *Provider, tenant string, back *url.URL) error {
	if f.room == nil {
		return nil
	}
	err := f.room(ctx, tenant)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrQuota):
		return &Error{Kind: ErrQuota, Provider: p.Name, Detail: "the tenant has no room for another integration", ReturnURL: back, Err: err}
	}
	return storeFailure(p, back, err)
}

// storeFailure is an *Error without a kind: the store's err.
func storeFailure(p *Provider, back *url.URL, err error) *Error {
	return &Error{Provider: p.Name, Detail: "the store failed", ReturnURL: back, Err: err}
}

// validAddress reports whether s is a bare mailbox address of at most
// 320 bytes, as net/mail reads it.
func validAddress(s string) bool {
	if s == "" || len(s) > 320 {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}
