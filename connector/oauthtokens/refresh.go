package oauthtokens

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/retry"
	"github.com/ucsp/integration/store"
)

// leaseKey is the lease of integration id's refreshes. The integration
// service has used this key since before this package: processes of
// both versions exclude each other during a rolling upgrade.
func leaseKey(id string) string { return "oauth-refresh:" + id }

// lockWait is the wait between two attempts to take a held lease: 25 to
// 50 ms.
var lockWait = retry.Backoff{Base: 50 * time.Millisecond, Max: 50 * time.Millisecond}

// Refresh replaces the stored token of integration integrationID of
// tenantID (of provider) whose access token is old (expiring, or
// rejected by the provider): it returns the stored token when another
// refresh has replaced old already and the replacement is valid for
// Options.Margin, else refreshes and saves the new token (a rotated
// refresh token included) before returning it; a token that could not
// be saved is not returned. Across the processes that share
// Options.Leases one refresh per integration runs at a time: it holds a
// lease on the integration, the others wait for it and take the token it
// saved, so that a refresh token the provider rotates is used once.
//
// A stored token without a refresh token is a connector.ErrAuth error
// (ErrNoRefreshToken); the lease store failing, or the wait for another
// process's refresh ending with ctx, a connector.ErrTemporary one; a
// provider without Refresh is ErrNoProvider.
func (m *Manager) Refresh(ctx context.Context, provider, tenantID, integrationID, old string) (*oauth2.Token, error) {
	refresh := m.refresher(provider)
	if refresh == nil {
		return nil, fmt.Errorf("%w: %q", ErrNoProvider, provider)
	}
	key, owner := leaseKey(integrationID), store.NewID()
	for {
		held, err := m.leases.Acquire(ctx, key, owner, m.leaseTTL)
		if err != nil {
			return nil, connector.TemporaryError("oauthtokens: refresh lease", err)
		}
		if held {
			break
		}
		select {
		case <-ctx.Done():
			return nil, connector.TemporaryError("oauthtokens: waiting for another process's refresh", ctx.Err())
		case <-time.After(lockWait.Delay(1)):
		}
		creds, err := m.store.Credentials(ctx, tenantID, integrationID)
		if err == nil && usable(creds.OAuth2, old, m.now().Add(m.margin)) {
			return creds.OAuth2, nil // the holder's refresh, saved
		}
	}
	defer func() { _ = m.leases.Release(context.WithoutCancel(ctx), key, owner) }()
	creds, err := m.store.Credentials(ctx, tenantID, integrationID)
	if err != nil {
		return nil, err
	}
	if usable(creds.OAuth2, old, m.now().Add(m.margin)) {
		return creds.OAuth2, nil // replaced since the caller read it
	}
	if creds.OAuth2 == nil || creds.OAuth2.RefreshToken == "" {
		return nil, connector.AuthError("oauthtokens: refresh", ErrNoRefreshToken)
	}
	tok, err := refresh(ctx, creds.OAuth2)
	if err != nil {
		return nil, err
	}
	creds.OAuth2 = tok
	if err := m.store.SetCredentials(ctx, tenantID, integrationID, creds); err != nil {
		return nil, err // a token that could not be saved is not used
	}
	return tok, nil
}
