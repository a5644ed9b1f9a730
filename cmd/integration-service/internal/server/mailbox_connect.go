package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// mailboxConflict: a reauthorization signed in to another mailbox than
// the integration's (the sign-in's binding to the integration's address
// refuses it first; this guards the store's side).
type mailboxConflict struct{ label, want, got string }

func (e *mailboxConflict) Error() string {
	return fmt.Sprintf("the %s account signed in is %s, but the integration is %s; sign in as %s", e.label, e.got, e.want, e.want)
}

// connectMailbox gives the tenant's integration of mailbox email the
// new credentials, or creates one, and reports whether it created it.
// The integration is the one st reauthorizes, else the tenant's
// integration of p's provider with the same address, else a new one
// named as pending says (default "<label> <address>"). An integration
// that needed reauthorization is active again.
func (a *App) connectMailbox(ctx context.Context, p *oauthProvider, st *store.OAuthState, pending pendingMailbox, email string, creds connector.Credentials) (*store.Integration, bool, error) {
	tenant := st.TenantID
	existing, err := a.findMailbox(ctx, p.provider, tenant, st.IntegrationID, email)
	if err != nil {
		return nil, false, err
	}
	if existing == nil {
		if err := a.integrationQuota(ctx, tenant); err != nil {
			return nil, false, err
		}
		name := pending.Name
		if name == "" {
			name = p.label + " " + email
		}
		in := &store.Integration{TenantID: tenant, Provider: p.provider, Name: name, Config: p.settings(email)}
		if err := a.store.CreateIntegration(ctx, in, creds); err != nil {
			return nil, false, err
		}
		return in, true, nil
	}
	if got := mailboxAddress(existing.Provider, existing.Config); !strings.EqualFold(got, email) {
		return nil, false, &mailboxConflict{label: p.label, want: got, got: email}
	}
	if err := a.store.SetCredentials(ctx, tenant, existing.ID, creds); err != nil {
		return nil, false, err
	}
	in, err := a.store.UpdateIntegration(ctx, tenant, existing.ID, func(in *store.Integration) error {
		if in.Status == store.StatusNeedsReauth || in.Status == store.StatusError {
			in.Status, in.LastError = store.StatusActive, ""
		}
		return nil
	})
	return in, false, err
}

// findMailbox returns the integration id of the tenant when id is set,
// else the tenant's integration of provider with address email, else
// nil.
func (a *App) findMailbox(ctx context.Context, provider, tenant, id, email string) (*store.Integration, error) {
	if id != "" {
		return a.store.GetIntegration(ctx, tenant, id)
	}
	opts := store.ListIntegrationsOptions{Provider: provider}
	for {
		page, err := a.store.ListIntegrations(ctx, tenant, opts)
		if err != nil {
			return nil, err
		}
		for _, in := range page.Items {
			if strings.EqualFold(mailboxAddress(in.Provider, in.Config), email) {
				return in, nil
			}
		}
		if page.NextCursor == "" {
			return nil, nil
		}
		opts.Cursor = page.NextCursor
	}
}
