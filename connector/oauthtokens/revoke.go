package oauthtokens

import (
	"context"
	"errors"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// Revoker returns what revokes, once integration id of tenantID is
// deleted, the grant its stored token holds at its provider
// (Provider.Revoke), reading the token now, before the delete takes it.
// Call it before the delete, and what it returns after: for a provider
// without Revoke, an integration or token that cannot be read, it does
// nothing.
//
// A provider revokes the whole grant of an account to the deployment's
// OAuth client (Google does), which another integration of the same
// mailbox (another tenant's, say) holds too: while one remains
// (ConnectedElsewhere), or none can be ruled out, nothing is revoked.
// The revocation runs within Options.RevokeTimeout, whatever the
// cancellation of its ctx; its failure is logged (the integration is
// deleted all the same).
func (m *Manager) Revoker(ctx context.Context, tenantID, id string) func(context.Context) {
	none := func(context.Context) {}
	in, err := m.store.GetIntegration(ctx, tenantID, id)
	if err != nil {
		return none
	}
	p := m.providers[in.Provider]
	if p.Revoke == nil {
		return none
	}
	creds, err := m.store.Credentials(ctx, tenantID, id)
	if err != nil || creds.OAuth2 == nil {
		return none
	}
	tok, addr := creds.OAuth2, p.Mailbox(in.Config)
	return func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), m.revokeTTL)
		defer cancel()
		if shared, err := m.ConnectedElsewhere(ctx, in.Provider, addr, id); err != nil || shared {
			m.logger.InfoContext(ctx, "oauthtokens: the deleted integration's grant is kept: another integration of the mailbox holds it, or none could be ruled out",
				"integration_id", id, "provider", in.Provider, "error", err)
			return
		}
		err := p.Revoke(ctx, tok)
		switch {
		case errors.Is(err, connector.ErrAuth):
			m.logger.InfoContext(ctx, "oauthtokens: the deleted integration's grant was revoked already", "integration_id", id, "provider", in.Provider)
		case err != nil:
			m.logger.WarnContext(ctx, "oauthtokens: revoking the deleted integration's grant failed", "integration_id", id, "provider", in.Provider, "error", err)
		}
	}
}

// ConnectedElsewhere reports whether an integration of provider other
// than id, in any tenant, is connected to the mailbox address
// (compared without case). It pages through the provider's
// integrations: for the rare deletion of an OAuth mailbox, never for a
// hot path.
func (m *Manager) ConnectedElsewhere(ctx context.Context, provider, address, id string) (bool, error) {
	mailbox := m.providers[provider].Mailbox
	if mailbox == nil {
		mailbox = emailMember
	}
	opts := store.ListIntegrationsOptions{Provider: provider, ListOptions: store.ListOptions{Limit: store.MaxLimit}}
	for {
		page, err := m.store.ScanIntegrations(ctx, opts)
		if err != nil {
			return false, err
		}
		for _, in := range page.Items {
			if in.ID != id && strings.EqualFold(mailbox(in.Config), address) {
				return true, nil
			}
		}
		if page.NextCursor == "" {
			return false, nil
		}
		opts.Cursor = page.NextCursor
	}
}
