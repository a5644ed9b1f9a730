package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/store"
)

// probOAuthMismatch: the account that signed in is not the mailbox the
// sign-in was started for (or Google does not vouch for its address).
const probOAuthMismatch = problemBase + "oauth-mailbox-mismatch" // 403

// signInFailure is why a callback connected nothing: a problem (status,
// typ, detail), or err, a store error answered as storeError does.
type signInFailure struct {
	status      int
	typ, detail string
	err         error
	// quota, when set, is the tenant quota the sign-in would pass (429).
	quota *quotaExceeded
}

// revokeTimeout bounds a revocation at the provider.
const revokeTimeout = 10 * time.Second

// finishSignIn does the callback's work once its state st is consumed:
// the provider's error or the code (q), the exchange with the PKCE
// verifier, the verified address of the mailbox that signed in, which
// must be pending.Expected's, then the integration created or given the
// new tokens, its push registration started and its first sync
// enqueued. It reports whether it created the integration, or why it
// connected nothing. On a refusal (another mailbox, an unverified
// address, a reauthorization of another mailbox) the new tokens are
// dropped, never stored; they are not revoked: Google revokes an
// account's whole grant to this OAuth client, which an integration of
// that mailbox in another tenant holds too, and a hostile tenant could
// otherwise end it by sending its owner a link.
func (a *App) finishSignIn(ctx context.Context, p *oauthProvider, st *store.OAuthState, pending pendingMailbox, q url.Values) (*store.Integration, bool, *signInFailure) {
	if pending.Expected == "" {
		// A state made before sign-ins were bound names no mailbox.
		return nil, false, &signInFailure{status: http.StatusBadRequest, typ: probOAuthState, detail: "the sign-in link names no mailbox; start again"}
	}
	if e := q.Get("error"); e != "" {
		return nil, false, &signInFailure{status: http.StatusForbidden, typ: probOAuthDenied, detail: p.label + " sign-in was not completed (" + oauthErrorCode(e) + "); nothing was connected"}
	}
	if q.Get("code") == "" {
		return nil, false, &signInFailure{status: http.StatusBadRequest, typ: probInvalidRequest, detail: "the code parameter is missing"}
	}
	tok, err := p.exchange(ctx, p.conf(), q.Get("code"), st.CodeVerifier)
	switch {
	case errors.Is(err, connector.ErrAuth):
		return nil, false, &signInFailure{status: http.StatusBadRequest, typ: probOAuthExchange, detail: p.label + " refused the authorization code; start again"}
	case err != nil:
		a.logger.WarnContext(ctx, "oauth code exchange failed", "provider", p.provider, "error", err)
		return nil, false, &signInFailure{status: http.StatusBadGateway, typ: probOAuthExchange, detail: p.label + "'s token endpoint failed; start again"}
	}
	addr, err := p.verify(ctx, tok, pending.Expected, pending.Nonce)
	var mismatch *gmail.MailboxMismatchError
	switch {
	case errors.As(err, &mismatch):
		a.logger.InfoContext(ctx, "a sign-in of another mailbox than expected was refused", "provider", p.provider, "tenant_id", st.TenantID, "expected", mismatch.Expected, "signed_in", mismatch.Got)
		return nil, false, &signInFailure{status: http.StatusForbidden, typ: probOAuthMismatch,
			detail: "the account that signed in is " + mismatch.Got + ", but this sign-in link is for " + mismatch.Expected + "; nothing was connected: sign in as " + mismatch.Expected}
	case errors.Is(err, gmail.ErrEmailNotVerified):
		return nil, false, &signInFailure{status: http.StatusForbidden, typ: probOAuthMismatch, detail: p.label + " does not vouch for the address of the account that signed in; nothing was connected"}
	case errors.Is(err, gmail.ErrIDToken):
		a.logger.WarnContext(ctx, "verifying the sign-in's id_token failed", "provider", p.provider, "error", err)
		return nil, false, &signInFailure{status: http.StatusBadGateway, typ: probOAuthExchange, detail: p.label + "'s identity token could not be verified; nothing was connected, start again"}
	case err != nil:
		a.logger.WarnContext(ctx, "reading the mailbox's address failed", "provider", p.provider, "error", err)
		return nil, false, &signInFailure{status: http.StatusBadGateway, typ: probOAuthExchange, detail: "reading the mailbox's address failed; start again"}
	}
	in, created, err := a.connectMailbox(ctx, p, st, pending, addr, connector.Credentials{OAuth2: tok})
	var conflict *mailboxConflict
	var quota *quotaExceeded
	switch {
	case errors.As(err, &quota):
		return nil, false, &signInFailure{status: http.StatusTooManyRequests, typ: probQuota, detail: quota.detail, quota: quota}
	case errors.As(err, &conflict):
		return nil, false, &signInFailure{status: http.StatusConflict, typ: probConflict, detail: conflict.Error()}
	case err != nil:
		return nil, false, &signInFailure{status: http.StatusInternalServerError, typ: storeProblemType(err), err: err}
	}
	a.push.Start(ctx, in)
	if _, err := a.syncs.Trigger(ctx, in.TenantID, in.ID); err != nil {
		a.logger.WarnContext(ctx, "enqueueing a new mailbox's first sync failed; the sweep will", "integration_id", in.ID, "error", err)
	}
	return in, created, nil
}

// storeProblemType is the problem type storeError would answer err
// with, for a return_url's error parameter.
func storeProblemType(err error) string {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return probNotFound
	case errors.Is(err, store.ErrConflict):
		return probConflict
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return probUnavailable
	}
	return probInternal
}
