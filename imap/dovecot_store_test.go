package imap

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/memory"
)

// TestDovecotUIDValidityChangeStoresNothingTwice runs the connector the
// way the pipeline does — every batch committed to a store with a
// message.received event per inserted message — across a re-created
// folder (all UIDs new): the resync stores and announces nothing twice,
// and the messages' refs follow the new UIDs.
func TestDovecotUIDValidityChangeStoresNothingTwice(t *testing.T) {
	t.Parallel()
	d := newDovecot(t)
	adm := newAdmin(t, d.addr, d.user, d.password)
	folder := d.folder(t, adm)
	for i := range 5 {
		adm.appendMsg(folder, testMessage(fmt.Sprintf("uv-%d-%s", i, folder)))
	}
	cfg := d.config(folder)
	cfg.BatchSize = 2
	c := newConnector(t, cfg)

	ctx := t.Context()
	st, err := memory.New(memory.Options{})
	require.NoError(t, err)
	in := &store.Integration{TenantID: "t1", Provider: "imap", Name: "support"}
	require.NoError(t, st.CreateIntegration(ctx, in, connector.Credentials{Password: "pw"}))

	var announced []string
	syncToStore := func() (resync bool) {
		state, err := st.SyncState(ctx, in.TenantID, in.ID)
		require.NoError(t, err)
		version := state.Version
		require.NoError(t, c.Sync(ctx, state.Cursor, func(_ context.Context, b *connector.Batch) error {
			res, err := st.CommitSync(ctx, &store.SyncCommit{
				TenantID: in.TenantID, IntegrationID: in.ID, Version: version, Cursor: b.Cursor,
				Messages: b.Messages, Changes: b.Changes,
				Events: func(inserted []*store.Message) ([]*store.Event, error) {
					evs := make([]*store.Event, 0, len(inserted))
					for _, m := range inserted {
						p, _ := json.Marshal(map[string]string{"message_id": m.MessageID})
						evs = append(evs, &store.Event{TenantID: in.TenantID, IntegrationID: in.ID, Type: "message.received", Payload: p})
						announced = append(announced, m.MessageID)
					}
					return evs, nil
				},
			})
			if err != nil {
				return err
			}
			version = res.Version
			resync = resync || res.Resync
			return nil
		}))
		return resync
	}

	require.False(t, syncToStore())
	require.Len(t, announced, 5)
	before := storedRefs(t, st, in)

	adm.recreate(folder)
	require.True(t, syncToStore(), "the new UIDVALIDITY is reported as a resync")
	require.Len(t, announced, 5, "nothing announced twice after the UIDVALIDITY change")
	after := storedRefs(t, st, in)
	require.Len(t, after, 5, "nothing stored twice")
	for id, ref := range after {
		require.Contains(t, before, id)
		require.NotEqual(t, before[id], ref, "the stored ref follows the new UIDVALIDITY")
	}
}

// storedRefs maps each stored message's Message-ID to its ProviderRef.
func storedRefs(t *testing.T, st store.Store, in *store.Integration) map[string]string {
	t.Helper()
	page, err := st.ListMessages(t.Context(), in.TenantID, in.ID, store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 100}})
	require.NoError(t, err)
	refs := map[string]string{}
	for _, m := range page.Items {
		require.NotContains(t, refs, m.MessageID, "Message-ID %s stored twice", m.MessageID)
		refs[m.MessageID] = m.ProviderRef
	}
	return refs
}
