package storetest

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var tenancyTests = map[string]func(*testing.T, *Harness){
	"ForeignIDIsNotFound": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		res := commit(t, h.Store, in, "c1", messages(0, 1))
		msgID := res.Inserted[0].ID
		out, _, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "k", "h"))
		require.NoError(t, err)
		ev := &store.Event{TenantID: tenantA, IntegrationID: in.ID, Type: "message.received", Payload: json.RawMessage(`{"n":1}`)}
		require.NoError(t, h.Store.InsertEvents(ctx, ev))

		// Tenant B sees none of it, and can change none of it.
		calls := map[string]func() error{
			"GetIntegration": func() error { _, err := h.Store.GetIntegration(ctx, tenantB, in.ID); return err },
			"UpdateIntegration": func() error {
				_, err := h.Store.UpdateIntegration(ctx, tenantB, in.ID, func(i *store.Integration) error { i.Name = "pwned"; return nil })
				return err
			},
			"DeleteIntegration": func() error { return h.Store.DeleteIntegration(ctx, tenantB, in.ID) },
			"SetCredentials": func() error {
				return h.Store.SetCredentials(ctx, tenantB, in.ID, connector.Credentials{Password: "x"})
			},
			"Credentials": func() error { _, err := h.Store.Credentials(ctx, tenantB, in.ID); return err },
			"SyncState":   func() error { _, err := h.Store.SyncState(ctx, tenantB, in.ID); return err },
			"CommitSync": func() error {
				_, err := h.Store.CommitSync(ctx, &store.SyncCommit{TenantID: tenantB, IntegrationID: in.ID, Version: 1, Cursor: "evil", Messages: messages(5, 6)})
				return err
			},
			"GetMessage": func() error { _, err := h.Store.GetMessage(ctx, tenantB, in.ID, msgID); return err },
			"GetMessageByProviderID": func() error {
				_, err := h.Store.GetMessageByProviderID(ctx, tenantB, in.ID, message(0).ProviderID)
				return err
			},
			"ListMessages": func() error {
				_, err := h.Store.ListMessages(ctx, tenantB, in.ID, store.ListMessagesOptions{})
				return err
			},
			"CountMessages": func() error { _, err := h.Store.CountMessages(ctx, tenantB, in.ID); return err },
			"CreateOutbox": func() error {
				e := outboxEntry(in, "k2", "h2")
				e.TenantID = tenantB
				_, _, err := h.Store.CreateOutbox(ctx, e)
				return err
			},
			"GetOutbox": func() error { _, err := h.Store.GetOutbox(ctx, tenantB, out.ID); return err },
			"UpdateOutbox": func() error {
				_, err := h.Store.UpdateOutbox(ctx, tenantB, out.ID, func(e *store.OutboxEntry) ([]*store.Event, error) {
					e.Status = store.OutboxFailed
					return nil, nil
				})
				return err
			},
			"GetEvent":       func() error { _, err := h.Store.GetEvent(ctx, tenantB, ev.ID); return err },
			"RedeliverEvent": func() error { _, err := h.Store.RedeliverEvent(ctx, tenantB, ev.ID); return err },
		}
		for name, call := range calls {
			require.ErrorIs(t, call(), store.ErrNotFound, name)
		}

		// Nothing changed for tenant A.
		got, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, "Support inbox", got.Name)
		creds, err := h.Store.Credentials(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, "pw-"+tenantA, creds.Password)
		st, err := h.Store.SyncState(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, connector.Cursor("c1"), st.Cursor)
		n, err := h.Store.CountMessages(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.EqualValues(t, 1, n)
		o, err := h.Store.GetOutbox(ctx, tenantA, out.ID)
		require.NoError(t, err)
		require.Equal(t, store.OutboxPending, o.Status)

		list, err := h.Store.ListIntegrations(ctx, tenantB, store.ListIntegrationsOptions{})
		require.NoError(t, err)
		require.Empty(t, list.Items)
		evs, err := h.Store.ListEvents(ctx, tenantB, store.ListEventsOptions{})
		require.NoError(t, err)
		require.Empty(t, evs.Items)
	},
	"MalformedIDIsNotFound": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		for _, id := range []string{"", "not-a-uuid", "'; DROP TABLE integrations; --", "00000000-0000-0000-0000-000000000000"} {
			_, err := h.Store.GetIntegration(ctx, tenantA, id)
			require.ErrorIs(t, err, store.ErrNotFound, id)
			_, err = h.Store.GetMessage(ctx, tenantA, in.ID, id)
			require.ErrorIs(t, err, store.ErrNotFound, id)
			_, err = h.Store.GetOutbox(ctx, tenantA, id)
			require.ErrorIs(t, err, store.ErrNotFound, id)
			_, err = h.Store.GetEvent(ctx, tenantA, id)
			require.ErrorIs(t, err, store.ErrNotFound, id)
			_, err = h.Store.SyncState(ctx, tenantA, id)
			require.ErrorIs(t, err, store.ErrNotFound, id)
		}
	},
}
