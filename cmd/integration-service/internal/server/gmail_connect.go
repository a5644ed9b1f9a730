package server

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail"
	"github.com/ucsp/integration/store"
)

// mailboxConflict: a reauthorization signed in to another mailbox than
// the integration's.
type mailboxConflict struct{ want, got string }

func (e *mailboxConflict) Error() string {
	return fmt.Sprintf("the Google account signed in is %s, but the integration is %s; sign in as %s", e.got, e.want, e.want)
}

// connectGmail gives the tenant's integration of mailbox email the new
// credentials, or creates one, and reports whether it created it. The
// integration is the one st reauthorizes, else the tenant's gmail
// integration of the same address, else a new one named as pending says
// (default "Gmail <address>"). An integration that needed
// reauthorization is active again.
func (a *App) connectGmail(ctx context.Context, st *store.OAuthState, pending pendingMailbox, email string, creds connector.Credentials) (*store.Integration, bool, error) {
	tenant := st.TenantID
	existing, err := a.findGmailIntegration(ctx, tenant, st.IntegrationID, email)
	if err != nil {
		return nil, false, err
	}
	if existing == nil {
		name := pending.Name
		if name == "" {
			name = "Gmail " + email
		}
		config, _ := json.Marshal(gmail.Settings{Email: email}) // cannot fail
		in := &store.Integration{TenantID: tenant, Provider: providerGmail, Name: name, Config: config}
		if err := a.store.CreateIntegration(ctx, in, creds); err != nil {
			return nil, false, err
		}
		return in, true, nil
	}
	if got := gmailSettings(existing).Email; !strings.EqualFold(got, email) {
		return nil, false, &mailboxConflict{want: got, got: email}
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

// findGmailIntegration returns the integration id of the tenant when id
// is set, else the tenant's gmail integration of address email, else
// nil.
func (a *App) findGmailIntegration(ctx context.Context, tenant, id, email string) (*store.Integration, error) {
	if id != "" {
		return a.store.GetIntegration(ctx, tenant, id)
	}
	opts := store.ListIntegrationsOptions{Provider: providerGmail}
	for {
		page, err := a.store.ListIntegrations(ctx, tenant, opts)
		if err != nil {
			return nil, err
		}
		for _, in := range page.Items {
			if strings.EqualFold(gmailSettings(in).Email, email) {
				return in, nil
			}
		}
		if page.NextCursor == "" {
			return nil, nil
		}
		opts.Cursor = page.NextCursor
	}
}

// gmailSettings decodes a gmail integration's config.
func gmailSettings(in *store.Integration) gmail.Settings {
	var s gmail.Settings
	_ = json.Unmarshal(in.Config, &s) // validated when stored
	return s
}
