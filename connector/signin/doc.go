// Package signin is the OAuth 2.0 sign-in by which a tenant connects a
// mailbox (Gmail, Outlook): it starts an authorization bound to the
// tenant and to the mailbox the tenant states, and at the callback
// connects that mailbox and no other, as an integration in the store.
// It works with any store that keeps OAuth states and integrations
// (store/memory, store/postgres, your own).
//
// It is not an HTTP layer: a deployment's two routes per provider decode
// the query, call Start or Finish, and answer (a redirect, JSON, or a
// problem for the *Error). Nor does it keep the tokens fresh afterwards:
// that is connector/oauthtokens. It imports no provider SDK: a Provider
// is built from the provider package (gmail, outlook) by the deployment.
//
// # The flow
//
// Start, called by the platform's backend for a tenant, names the
// mailbox that must sign in (StartRequest.Email, or the address of the
// integration it reauthorizes) and stores a single-use state, bound to
// the tenant, expiring after Options.StateTTL (10 minutes), with the
// PKCE verifier (sealed by the store), the expected mailbox and an
// OpenID Connect nonce. The user goes to the provider's URL it returns.
//
// Finish, at the callback, consumes the state (a second use fails),
// exchanges the code with the verifier, and asks the Provider for the
// verified address of the mailbox that signed in (Google's id_token and
// users.getProfile, Graph's /me). Another mailbox than the expected one
// is refused (ErrMismatch) and its tokens are dropped, not revoked: a
// provider revokes an account's whole grant to the client, which an
// integration of that mailbox in another tenant may hold. The expected
// mailbox becomes the tenant's integration: the one reauthorized, or the
// tenant's integration of that address, given the new tokens, or a new
// one when the tenant has room (Options.Room). Options.Connected then
// starts what the deployment does for a new mailbox (a push
// registration, a first sync).
//
//	flow, err := signin.New(st, signin.Options{
//		Providers:  []signin.Provider{google},
//		ReturnURLs: allowed, // signin.ParseAllowList("https://app.example.com/oauth/done")
//		Connected:  func(ctx context.Context, in *store.Integration, _ bool) { runner.Trigger(ctx, in.TenantID, in.ID) },
//	})
//	started, err := flow.Start(ctx, signin.StartRequest{Provider: "gmail", TenantID: tenant, Email: "support@example.com"})
//	// ... the user signs in; the provider sends the browser to the callback:
//	res, err := flow.Finish(ctx, "gmail", signin.CallbackFrom(r.URL.Query()))
//
// # Errors
//
// Start and Finish return an *Error whose kind (errors.Is) says why
// nothing was started or connected — ErrNotConfigured, ErrInvalid (with
// the wrong parameters in Fields), ErrQuota, ErrState, ErrDenied,
// ErrRefused, ErrExchange, ErrMismatch, ErrConflict, or none for a
// store failure (errors.Is with the store's errors) — and whose Detail
// says it to the user. Nothing is created or changed.
//
// # Return URLs
//
// A sign-in started with a ReturnURL under an entry of
// Options.ReturnURLs (an AllowList: no open redirect) carries it to the
// end: Result.ReturnURL, or Error.ReturnURL once the state was read, so
// that the deployment sends the browser back with WithOutcome's query
// (status, provider, integration_id or error; never a token).
package signin
