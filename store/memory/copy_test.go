package memory

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

func TestValuesAreCopiedInAndOut(t *testing.T) {
	t.Parallel()
	s := newStore(t)

	t.Run("Integration", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		in := mustIntegration(t, s, tenantB)
		in.Config[2] = 'X' // the caller reuses its buffer
		got, err := s.GetIntegration(ctx, tenantB, in.ID)
		require.NoError(t, err)
		require.JSONEq(t, `{"host":"imap.example.com"}`, string(got.Config))
		got.Config[2] = 'Y'
		got.Name = "changed"
		page, err := s.ListIntegrations(ctx, tenantB, store.ListIntegrationsOptions{})
		require.NoError(t, err)
		page.Items[0].Config[2] = 'Z'
		again, err := s.GetIntegration(ctx, tenantB, in.ID)
		require.NoError(t, err)
		require.JSONEq(t, `{"host":"imap.example.com"}`, string(again.Config))
		require.Equal(t, "Support", again.Name)

		var kept *store.Integration
		_, err = s.UpdateIntegration(ctx, tenantB, in.ID, func(i *store.Integration) error {
			kept = i
			return nil
		})
		require.NoError(t, err)
		kept.Config[2] = 'W' // fn's value, changed after UpdateIntegration returned
		again, err = s.GetIntegration(ctx, tenantB, in.ID)
		require.NoError(t, err)
		require.JSONEq(t, `{"host":"imap.example.com"}`, string(again.Config))
	})

	t.Run("Messages", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		in := mustIntegration(t, s, tenantA)
		batch := msgs(0, 2)
		var fromCallback []*store.Message
		st, err := s.SyncState(ctx, tenantA, in.ID)
		require.NoError(t, err)
		res, err := s.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: st.Version, Cursor: "c1", Messages: batch,
			Events: func(inserted []*store.Message) ([]*store.Event, error) {
				fromCallback = inserted
				return nil, nil
			},
		})
		require.NoError(t, err)
		for _, m := range [][]*store.Message{fromCallback, res.Inserted} {
			m[0].Flags[0] = "mutated"
			m[0].Headers["List-Id"][0] = "mutated"
			m[0].To[0].Email = "mutated@example.com"
			m[0].Attachments[0].Filename = "mutated"
		}
		batch[0].Labels[0] = "mutated"
		batch[0].Folders = append(batch[0].Folders[:0], "mutated")

		got, err := s.GetMessage(ctx, tenantA, in.ID, res.Inserted[0].ID)
		require.NoError(t, err)
		want := msg(0)
		want.Attachments[0].Content = nil
		require.Equal(t, *want, got.Message)

		got.Problems = append(got.Problems, "mutated")
		got.Headers["X-New"] = []string{"x"}
		list, err := s.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{})
		require.NoError(t, err)
		list.Items[0].Flags[0] = "mutated"
		again, err := s.GetMessageByProviderID(ctx, tenantA, in.ID, want.ProviderID)
		require.NoError(t, err)
		require.Equal(t, *want, again.Message)
	})

	t.Run("OutboxAndEvents", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		in := mustIntegration(t, s, tenantA)
		e := &store.OutboxEntry{
			TenantID: tenantA, IntegrationID: in.ID, IdempotencyKey: "k", RequestHash: "h",
			Message: connector.OutboundMessage{
				MessageID: "m@example.com", To: []connector.Address{{Email: "a@example.com"}},
				Attachments: []connector.OutboundAttachment{{Filename: "f", Content: []byte("content")}},
				Headers:     connector.Header{"X-T": {"1"}},
			},
		}
		got, _, err := s.CreateOutbox(ctx, e)
		require.NoError(t, err)
		e.Message.To[0].Email = "mutated@example.com"
		e.Message.Attachments[0].Content[0] = 'X'
		got.Message.Headers["X-T"][0] = "mutated"
		ev := &store.Event{TenantID: tenantA, Type: "t", Payload: json.RawMessage(`{"a":1}`)}
		updated, err := s.UpdateOutbox(ctx, tenantA, got.ID, func(o *store.OutboxEntry) ([]*store.Event, error) {
			o.Result = &connector.SendResult{ProviderID: "p1"}
			return []*store.Event{ev}, nil
		})
		require.NoError(t, err)
		updated.Result.ProviderID = "mutated"
		ev.Payload[2] = 'X'

		again, err := s.GetOutbox(ctx, tenantA, got.ID)
		require.NoError(t, err)
		require.Equal(t, "a@example.com", again.Message.To[0].Email)
		require.Equal(t, []byte("content"), again.Message.Attachments[0].Content)
		require.Equal(t, "1", again.Message.Headers.Get("X-T"))
		require.Equal(t, "p1", again.Result.ProviderID)

		stored, err := s.GetEvent(ctx, tenantA, ev.ID)
		require.NoError(t, err)
		require.JSONEq(t, `{"a":1}`, string(stored.Payload))
		stored.Payload[2] = 'Y'
		claimed, err := s.ClaimEvents(ctx, stored.NextAttemptAt, 10, 1)
		require.NoError(t, err)
		require.Len(t, claimed, 1)
		require.JSONEq(t, `{"a":1}`, string(claimed[0].Payload))
	})

	t.Run("OAuthState", func(t *testing.T) {
		t.Parallel()
		ctx := t.Context()
		st := &store.OAuthState{State: "s1", TenantID: tenantA, Provider: "gmail", Data: []byte(`{"n":1}`), ExpiresAt: farFuture}
		require.NoError(t, s.CreateOAuthState(ctx, st))
		st.Data[1] = 'X'
		got, err := s.ConsumeOAuthState(ctx, "s1", farFuture.AddDate(-1, 0, 0))
		require.NoError(t, err)
		require.JSONEq(t, `{"n":1}`, string(got.Data))
	})
}
