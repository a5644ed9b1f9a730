package storetest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

var integrationTests = map[string]func(*testing.T, *Harness){
	"UpdateWithEventsStoresBoth": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		ev := &store.Event{Type: "integration.needs_reauth", Payload: json.RawMessage(`{"reason":"invalid_grant"}`)}
		got, err := h.Store.UpdateIntegrationWithEvents(ctx, tenantA, in.ID, func(in *store.Integration) ([]*store.Event, error) {
			in.Status, in.LastError = store.StatusNeedsReauth, "invalid_grant"
			return []*store.Event{ev}, nil
		})
		require.NoError(t, err)
		require.Equal(t, store.StatusNeedsReauth, got.Status)
		require.True(t, store.ValidID(ev.ID), "the event is filled in place")
		require.Equal(t, tenantA, ev.TenantID)
		require.Equal(t, in.ID, ev.IntegrationID, "an event naming no integration gets the updated one")
		stored, err := h.Store.GetEvent(ctx, tenantA, ev.ID)
		require.NoError(t, err)
		require.Equal(t, "integration.needs_reauth", stored.Type)
		require.Equal(t, store.EventPending, stored.Status)
		again, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, store.StatusNeedsReauth, again.Status)
	},
	"UpdateWithEventsIsAllOrNothing": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		for name, events := range map[string][]*store.Event{
			"invalid event":    {{Type: "integration.error", Payload: json.RawMessage(`{}`)}, {Payload: json.RawMessage(`{}`)}},
			"another tenant's": {{TenantID: tenantB, Type: "integration.error", Payload: json.RawMessage(`{}`)}},
			"invalid JSON":     {{Type: "integration.error", Payload: json.RawMessage(`{"x"`)}},
		} {
			_, err := h.Store.UpdateIntegrationWithEvents(ctx, tenantA, in.ID, func(in *store.Integration) ([]*store.Event, error) {
				in.Status = store.StatusError
				return events, nil
			})
			require.ErrorIs(t, err, store.ErrInvalid, name)
		}
		boom := errors.New("boom")
		_, err := h.Store.UpdateIntegrationWithEvents(ctx, tenantA, in.ID, func(in *store.Integration) ([]*store.Event, error) {
			in.Status = store.StatusError
			return []*store.Event{{Type: "integration.error", Payload: json.RawMessage(`{}`)}}, boom
		})
		require.ErrorIs(t, err, boom)
		got, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, store.StatusActive, got.Status, "a failed update changed the integration")
		list, err := h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{})
		require.NoError(t, err)
		require.Empty(t, list.Items, "a failed update stored events")
	},
	"CreateAndGet": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := newIntegration(tenantA, "imap", "Support inbox")
		require.NoError(t, h.Store.CreateIntegration(ctx, in, connector.Credentials{Password: "pw"}))
		require.True(t, store.ValidID(in.ID), "id %q", in.ID)
		require.False(t, in.CreatedAt.IsZero())
		require.False(t, in.UpdatedAt.IsZero())
		require.Equal(t, store.StatusActive, in.Status)
		require.Equal(t, "unknown", in.Health.Status)

		got, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, in.ID, got.ID)
		require.Equal(t, tenantA, got.TenantID)
		require.Equal(t, "imap", got.Provider)
		require.Equal(t, "Support inbox", got.Name)
		require.JSONEq(t, string(in.Config), string(got.Config))
		require.Equal(t, store.StatusActive, got.Status)
		require.Equal(t, "unknown", got.Health.Status)
		require.True(t, in.CreatedAt.Equal(got.CreatedAt))
		require.True(t, got.LastSyncAt.IsZero())
	},
	"CreateKeepsGivenStatus": func(t *testing.T, h *Harness) {
		in := newIntegration(tenantA, "gmail", "Paused")
		in.Status = store.StatusDisabled
		require.NoError(t, h.Store.CreateIntegration(ctxFor(t), in, connector.Credentials{}))
		got, err := h.Store.GetIntegration(ctxFor(t), tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, store.StatusDisabled, got.Status)
	},
	"CreateRejectsInvalid": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		cases := map[string]func(*store.Integration){
			"tenant_id": func(in *store.Integration) { in.TenantID = "" },
			"provider":  func(in *store.Integration) { in.Provider = "" },
			"name":      func(in *store.Integration) { in.Name = "" },
			"status":    func(in *store.Integration) { in.Status = "sleeping" },
			"config":    func(in *store.Integration) { in.Config = json.RawMessage(`{"broken"`) },
		}
		for field, breakIt := range cases {
			in := newIntegration(tenantA, "imap", "x")
			breakIt(in)
			err := h.Store.CreateIntegration(ctx, in, connector.Credentials{})
			require.ErrorIs(t, err, store.ErrInvalid, field)
			var ie *store.InvalidError
			require.ErrorAs(t, err, &ie, field)
			require.Equal(t, field, ie.Field)
		}
		p, err := h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{})
		require.NoError(t, err)
		require.Empty(t, p.Items, "a rejected integration was stored")
	},
	"Update": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		synced := base.Add(time.Hour)
		got, err := h.Store.UpdateIntegration(ctx, tenantA, in.ID, func(i *store.Integration) error {
			i.Name = "Renamed"
			i.Status = store.StatusNeedsReauth
			i.LastError = "invalid_grant"
			i.Config = json.RawMessage(`{"email":"other@example.com"}`)
			i.Health = store.Health{Status: "failing", CheckedAt: synced, Latency: 1500 * time.Millisecond, Error: "timeout", ConsecutiveFailures: 3}
			i.LastSyncAt = synced
			return nil
		})
		require.NoError(t, err)
		require.Equal(t, "Renamed", got.Name)
		require.False(t, got.UpdatedAt.Before(in.UpdatedAt))

		again, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, "Renamed", again.Name)
		require.Equal(t, store.StatusNeedsReauth, again.Status)
		require.Equal(t, "invalid_grant", again.LastError)
		require.JSONEq(t, `{"email":"other@example.com"}`, string(again.Config))
		require.Equal(t, "failing", again.Health.Status)
		require.Equal(t, 1500*time.Millisecond, again.Health.Latency)
		require.Equal(t, 3, again.Health.ConsecutiveFailures)
		require.Equal(t, "timeout", again.Health.Error)
		require.True(t, synced.Equal(again.Health.CheckedAt))
		require.True(t, synced.Equal(again.LastSyncAt))
		require.True(t, in.CreatedAt.Equal(again.CreatedAt))
	},
	"UpdateAbortsOnError": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		boom := errors.New("boom")
		_, err := h.Store.UpdateIntegration(ctx, tenantA, in.ID, func(i *store.Integration) error {
			i.Name = "half-done"
			return boom
		})
		require.ErrorIs(t, err, boom)
		got, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, "Support inbox", got.Name)
	},
	"UpdateRejectsImmutableAndInvalid": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		for field, change := range map[string]func(*store.Integration){
			"id":         func(i *store.Integration) { i.ID = store.NewID() },
			"tenant_id":  func(i *store.Integration) { i.TenantID = tenantB },
			"created_at": func(i *store.Integration) { i.CreatedAt = i.CreatedAt.Add(time.Hour) },
			"status":     func(i *store.Integration) { i.Status = "bogus" },
			"name":       func(i *store.Integration) { i.Name = "" },
		} {
			_, err := h.Store.UpdateIntegration(ctx, tenantA, in.ID, func(i *store.Integration) error {
				change(i)
				i.LastError = "should not be saved"
				return nil
			})
			require.ErrorIs(t, err, store.ErrInvalid, field)
		}
		got, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Empty(t, got.LastError)
		require.Equal(t, store.StatusActive, got.Status)
	},
	"UpdateLosesNoConcurrentChange": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		const n = 16
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				_, err := h.Store.UpdateIntegration(ctx, tenantA, in.ID, func(i *store.Integration) error {
					i.Health.ConsecutiveFailures++
					return nil
				})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		got, err := h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.NoError(t, err)
		require.Equal(t, n, got.Health.ConsecutiveFailures, "concurrent updates were lost")
	},
	"DeleteRemovesEverything": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		other := mustIntegration(t, h.Store, tenantA)
		commit(t, h.Store, in, "c1", messages(0, 3))
		commit(t, h.Store, other, "c1", messages(0, 2))
		out, _, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "key-1", "hash-1"))
		require.NoError(t, err)
		ev := &store.Event{TenantID: tenantA, IntegrationID: in.ID, Type: "message.received", Payload: json.RawMessage(`{}`)}
		require.NoError(t, h.Store.InsertEvents(ctx, ev))

		require.NoError(t, h.Store.DeleteIntegration(ctx, tenantA, in.ID))

		_, err = h.Store.GetIntegration(ctx, tenantA, in.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.Credentials(ctx, tenantA, in.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.SyncState(ctx, tenantA, in.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.GetMessageByProviderID(ctx, tenantA, in.ID, message(0).ProviderID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.GetOutbox(ctx, tenantA, out.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		_, err = h.Store.GetEvent(ctx, tenantA, ev.ID)
		require.ErrorIs(t, err, store.ErrNotFound)
		require.ErrorIs(t, h.Store.DeleteIntegration(ctx, tenantA, in.ID), store.ErrNotFound)

		// The other integration is untouched.
		n, err := h.Store.CountMessages(ctx, tenantA, other.ID)
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		// The idempotency key is free again once its integration is gone.
		_, created, err := h.Store.CreateOutbox(ctx, outboxEntry(other, "key-1", "hash-2"))
		require.NoError(t, err)
		require.True(t, created)
	},
	"ListPagesInCreationOrder": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		var want []string
		for range 7 {
			want = append(want, mustIntegration(t, h.Store, tenantA).ID)
		}
		mustIntegration(t, h.Store, tenantB)
		got := allPages(t, 3, func(o store.ListOptions) (*store.Page[*store.Integration], error) {
			return h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{ListOptions: o})
		})
		require.Equal(t, want, integrationIDs(got))
	},
	"ListIsStableUnderInserts": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		var before []string
		for range 5 {
			before = append(before, mustIntegration(t, h.Store, tenantA).ID)
		}
		p1, err := h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{ListOptions: store.ListOptions{Limit: 2}})
		require.NoError(t, err)
		require.Equal(t, before[:2], integrationIDs(p1.Items))
		added := mustIntegration(t, h.Store, tenantA).ID
		rest := allPages(t, 2, func(o store.ListOptions) (*store.Page[*store.Integration], error) {
			if o.Cursor == "" {
				o.Cursor = p1.NextCursor
			}
			return h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{ListOptions: o})
		})
		require.Equal(t, append(before[2:], added), integrationIDs(rest))
	},
	"ListFilters": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a := newIntegration(tenantA, "gmail", "G")
		require.NoError(t, h.Store.CreateIntegration(ctx, a, connector.Credentials{}))
		b := newIntegration(tenantA, "imap", "I")
		b.Status = store.StatusDisabled
		require.NoError(t, h.Store.CreateIntegration(ctx, b, connector.Credentials{}))
		c := newIntegration(tenantA, "imap", "I2")
		require.NoError(t, h.Store.CreateIntegration(ctx, c, connector.Credentials{}))

		p, err := h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{Provider: "imap"})
		require.NoError(t, err)
		require.Equal(t, []string{b.ID, c.ID}, integrationIDs(p.Items))
		p, err = h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{Provider: "imap", Status: store.StatusActive})
		require.NoError(t, err)
		require.Equal(t, []string{c.ID}, integrationIDs(p.Items))
		_, err = h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{Status: "bogus"})
		require.ErrorIs(t, err, store.ErrInvalid)
	},
	"ListRejectsBadCursorAndLimit": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		mustIntegration(t, h.Store, tenantA)
		for _, c := range []string{"garbage", "c1.!!!", store.EncodeCursor("not-an-id")} {
			_, err := h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{ListOptions: store.ListOptions{Cursor: c}})
			require.ErrorIs(t, err, store.ErrInvalidCursor, c)
		}
		_, err := h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{ListOptions: store.ListOptions{Limit: -1}})
		require.ErrorIs(t, err, store.ErrInvalid)
		p, err := h.Store.ListIntegrations(ctx, tenantA, store.ListIntegrationsOptions{ListOptions: store.ListOptions{Limit: store.MaxLimit + 1000}})
		require.NoError(t, err)
		require.Len(t, p.Items, 1)
	},
	"Ping": func(t *testing.T, h *Harness) {
		require.NoError(t, h.Store.Ping(ctxFor(t)))
	},
}

func integrationIDs(in []*store.Integration) []string {
	out := make([]string, len(in))
	for i, x := range in {
		out[i] = x.ID
	}
	return out
}
