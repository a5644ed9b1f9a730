package signin

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/oauthflow"
	"github.com/ucsp/integration/store"
)

// Callback is what the provider sent the browser back with: the query
// parameters state, code and error of the callback URL.
type Callback struct {
	State string
	Code  string
	// Error is the provider's error code (access_denied, say), when the
	// user did not grant access.
	Error string
}

// CallbackFrom reads a Callback from the callback URL's query.
func CallbackFrom(q url.Values) Callback {
	return Callback{State: q.Get("state"), Code: q.Get("code"), Error: q.Get("error")}
}

// Result is a mailbox connected.
type Result struct {
	// Integration is the integration created or given the new tokens.
	Integration *store.Integration
	// Created reports whether Finish created it.
	Created bool
	// ReturnURL is where the sign-in asked its outcome to be sent (see
	// WithOutcome); nil: none.
	ReturnURL *url.URL
}

// Finish ends a sign-in of provider that Start began, at its callback:
// the state is consumed (a second use fails), the code exchanged with
// the PKCE verifier, and the verified address of the mailbox that signed
// in (Provider.Verify) compared with the one the state expects. Then the
// tenant's integration of that mailbox is given the new tokens (the
// integration the sign-in reauthorizes, else the tenant's integration of
// the provider with that address), or one is created when the tenant
// has room (Options.Room); an integration that needed reauthorization is
// active again; Options.Connected is called.
//
// A sign-in it refuses creates and changes nothing and is an *Error:
// ErrInvalid (no state, no code), ErrState, ErrNotConfigured, ErrDenied,
// ErrRefused, ErrExchange, ErrMismatch, ErrConflict, ErrQuota, or a
// store failure. Its ReturnURL is set once the state was read. The
// tokens of a refused sign-in are dropped, never stored; they are not
// revoked (see ErrMismatch).
func (f *Flow) Finish(ctx context.Context, provider string, cb Callback) (*Result, error) {
	p := f.providers[provider]
	if p == nil {
		return nil, &Error{Kind: ErrNotConfigured, Provider: provider, Detail: provider + " sign-in is not configured on this server"}
	}
	if cb.State == "" {
		return nil, &Error{Kind: ErrInvalid, Provider: p.Name, Detail: "the state parameter is missing"}
	}
	st, err := f.store.ConsumeOAuthState(ctx, cb.State, f.now())
	switch {
	case errors.Is(err, store.ErrNotFound) || (err == nil && st.Provider != p.Name):
		return nil, &Error{Kind: ErrState, Provider: p.Name, Detail: "the sign-in link is unknown, used or expired; start again"}
	case err != nil:
		return nil, storeFailure(p, nil, err)
	}
	var pd pending
	_ = json.Unmarshal(st.Data, &pd) // written by Start
	var back *url.URL
	if pd.ReturnURL != "" {
		back, _ = url.Parse(pd.ReturnURL) // checked by Start
	}
	fail := func(kind error, detail string, cause error) (*Result, error) {
		return nil, &Error{Kind: kind, Provider: p.Name, Detail: detail, ReturnURL: back, Err: cause}
	}
	label := p.label()
	switch {
	case pd.Expected == "":
		// A state made before sign-ins were bound names no mailbox.
		return fail(ErrState, "the sign-in link names no mailbox; start again", nil)
	case p.OAuth2 == nil:
		return fail(ErrNotConfigured, label+" sign-in is not configured on this server", nil)
	case cb.Error != "":
		return fail(ErrDenied, label+" sign-in was not completed ("+errorCode(cb.Error)+"); nothing was connected", nil)
	case cb.Code == "":
		return fail(ErrInvalid, "the code parameter is missing", nil)
	}
	tok, err := p.Exchange(ctx, p.OAuth2, cb.Code, st.CodeVerifier)
	switch {
	case errors.Is(err, connector.ErrAuth):
		return fail(ErrRefused, label+" refused the authorization code; start again", err)
	case err != nil:
		f.logger.WarnContext(ctx, "signin: the code exchange failed", "provider", p.Name, "error", err)
		return fail(ErrExchange, label+"'s token endpoint failed; start again", err)
	}
	addr, err := p.Verify(ctx, tok, pd.Expected, pd.Nonce)
	if err == nil {
		addr = strings.ToLower(addr)
		err = oauthflow.CheckMailbox(pd.Expected, addr)
	}
	var mismatch *MailboxMismatchError
	switch {
	case errors.As(err, &mismatch):
		f.logger.InfoContext(ctx, "signin: a sign-in of another mailbox than expected was refused", "provider", p.Name, "tenant_id", st.TenantID, "expected", mismatch.Expected, "signed_in", mismatch.Got)
		return fail(ErrMismatch, "the account that signed in is "+mismatch.Got+", but this sign-in link is for "+mismatch.Expected+"; nothing was connected: sign in as "+mismatch.Expected, err)
	case p.Unverified != nil && errors.Is(err, p.Unverified):
		return fail(ErrMismatch, label+" does not vouch for the address of the account that signed in; nothing was connected", err)
	case p.BadIdentity != nil && errors.Is(err, p.BadIdentity):
		f.logger.WarnContext(ctx, "signin: verifying the sign-in's identity token failed", "provider", p.Name, "error", err)
		return fail(ErrExchange, label+"'s identity token could not be verified; nothing was connected, start again", err)
	case err != nil:
		f.logger.WarnContext(ctx, "signin: reading the mailbox's address failed", "provider", p.Name, "error", err)
		return fail(ErrExchange, "reading the mailbox's address failed; start again", err)
	}
	in, created, err := f.connect(ctx, p, st, pd, addr, connector.Credentials{OAuth2: tok}, back)
	if err != nil {
		return nil, err
	}
	if f.connected != nil {
		f.connected(ctx, in, created)
	}
	return &Result{Integration: in, Created: created, ReturnURL: back}, nil
}

// errorCode returns an OAuth error code as it may be shown: the code's
// own characters only (a-z and _, at most 64), so that nothing can be
// injected.
func errorCode(e string) string {
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
