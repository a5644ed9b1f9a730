package signin

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

// connect gives the tenant's integration of mailbox email the new
// credentials, or creates one, and reports whether it created it. The
// integration is the one st reauthorizes, else the tenant's integration
// of p with the same address, else a new one named as pd says (default
// "<label> <address>") when the tenant has room. An integration that
// needed reauthorization is active again. Its errors are *Error.
func (f *Flow) connect(ctx context.Context, p *Provider, st *store.OAuthState, pd pending, email string, creds connector.Credentials, back *url.URL) (*store.Integration, bool, error) {
	tenant := st.TenantID
	existing, err := f.findMailbox(ctx, p, tenant, st.IntegrationID, email)
	if err != nil {
		return nil, false, storeFailure(p, back, err)
	}
	if existing == nil {
		if err := f.checkRoom(ctx, p, tenant, back); err != nil {
			return nil, false, err
		}
		name := pd.Name
		if name == "" {
			name = p.label() + " " + email
		}
		in := &store.Integration{TenantID: tenant, Provider: p.Name, Name: name, Config: p.Settings(email)}
		if err := f.store.CreateIntegration(ctx, in, creds); err != nil {
			return nil, false, storeFailure(p, back, err)
		}
		return in, true, nil
	}
	if got := p.Address(existing.Config); !strings.EqualFold(got, email) {
		return nil, false, &Error{Kind: ErrConflict, Provider: p.Name, ReturnURL: back,
			Detail: fmt.Sprintf("the %s account signed in is %s, but the integration is %s; sign in as %s", p.label(), email, got, got)}
	}
	if err := f.store.SetCredentials(ctx, tenant, existing.ID, creds); err != nil {
		return nil, false, storeFailure(p, back, err)
	}
	in, err := f.store.UpdateIntegration(ctx, tenant, existing.ID, func(in *store.Integration) error {
		if in.Status == store.StatusNeedsReauth || in.Status == store.StatusError {
			in.Status, in.LastError = store.StatusActive, ""
		}
		return nil
	})
	if err != nil {
		return nil, false, storeFailure(p, back, err)
	}
	return in, false, nil
}

// findMailbox returns integration id of the tenant when id is set, else
// the tenant's integration of p with address email, else nil.
func (f *Flow) findMailbox(ctx context.Context, p *Provider, tenant, id, email string) (*store.Integration, error) {
	if id != "" {
		return f.store.GetIntegration(ctx, tenant, id)
	}
	opts := store.ListIntegrationsOptions{Provider: p.Name}
	for {
		page, err := f.store.ListIntegrations(ctx, tenant, opts)
		if err != nil {
			return nil, err
		}
		for _, in := range page.Items {
			if strings.EqualFold(p.Address(in.Config), email) {
				return in, nil
			}
		}
		if page.NextCursor == "" {
			return nil, nil
		}
		opts.Cursor = page.NextCursor
	}
}
