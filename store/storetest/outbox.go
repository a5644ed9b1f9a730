package storetest

import (
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

func outboxEntry(in *store.Integration, key, hash string) *store.OutboxEntry {
	return &store.OutboxEntry{
		TenantID: in.TenantID, IntegrationID: in.ID, IdempotencyKey: key, RequestHash: hash,
		Message: connector.OutboundMessage{
			MessageID:  "reply-1@ucsp.example",
			From:       connector.Address{Name: "Support", Email: "support@example.com"},
			To:         []connector.Address{{Name: "Zoë", Email: "zoe@example.org"}},
			Bcc:        []connector.Address{{Email: "audit@example.com"}},
			Subject:    "Re: Réclamation",
			Text:       "We are on it.",
			HTML:       "<p>We are on it.</p>",
			InReplyTo:  "msg-1@example.com",
			References: []string{"root@example.com", "msg-1@example.com"},
			ThreadID:   "thread-1",
			Attachments: []connector.OutboundAttachment{{
				Filename: "label.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.7\x00\x01\x02binary"),
			}},
			Headers: connector.Header{"X-Ticket": {"T-42"}},
		},
	}
}

var outboxTests = map[string]func(*testing.T, *Harness){
	"CreateAndGet": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		e := outboxEntry(in, "key-1", "hash-1")
		got, created, err := h.Store.CreateOutbox(ctx, e)
		require.NoError(t, err)
		require.True(t, created)
		require.True(t, store.ValidID(got.ID))
		require.Equal(t, store.OutboxPending, got.Status)
		require.False(t, got.CreatedAt.IsZero())

		again, err := h.Store.GetOutbox(ctx, tenantA, got.ID)
		require.NoError(t, err)
		require.Equal(t, outboxEntry(in, "key-1", "hash-1").Message, again.Message)
		require.Equal(t, "key-1", again.IdempotencyKey)
		require.Equal(t, "hash-1", again.RequestHash)
		require.Equal(t, in.ID, again.IntegrationID)
		require.Zero(t, again.Attempts)
		require.Nil(t, again.Result)
	},
	"SameKeySameRequestReturnsFirst": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		first, created, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "key-1", "hash-1"))
		require.NoError(t, err)
		require.True(t, created)
		second, created, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "key-1", "hash-1"))
		require.NoError(t, err)
		require.False(t, created)
		require.Equal(t, first.ID, second.ID)
	},
	"SameKeyOtherRequestConflicts": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		first, _, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "key-1", "hash-1"))
		require.NoError(t, err)
		other := outboxEntry(in, "key-1", "hash-2")
		other.Message.Subject = "different"
		_, _, err = h.Store.CreateOutbox(ctx, other)
		require.ErrorIs(t, err, store.ErrIdempotencyConflict)
		require.ErrorIs(t, err, store.ErrConflict)
		got, err := h.Store.GetOutbox(ctx, tenantA, first.ID)
		require.NoError(t, err)
		require.Equal(t, "Re: Réclamation", got.Message.Subject)
	},
	"KeysArePerTenant": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a := mustIntegration(t, h.Store, tenantA)
		b := mustIntegration(t, h.Store, tenantB)
		ea, created, err := h.Store.CreateOutbox(ctx, outboxEntry(a, "shared-key", "h-a"))
		require.NoError(t, err)
		require.True(t, created)
		eb, created, err := h.Store.CreateOutbox(ctx, outboxEntry(b, "shared-key", "h-b"))
		require.NoError(t, err)
		require.True(t, created)
		require.NotEqual(t, ea.ID, eb.ID)
	},
	"CreateValidates": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		_, _, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "", "h"))
		require.ErrorIs(t, err, store.ErrInvalid)
		_, _, err = h.Store.CreateOutbox(ctx, outboxEntry(in, "k", ""))
		require.ErrorIs(t, err, store.ErrInvalid)
		missing := outboxEntry(in, "k", "h")
		missing.IntegrationID = store.NewID()
		_, _, err = h.Store.CreateOutbox(ctx, missing)
		require.ErrorIs(t, err, store.ErrNotFound)
	},
	"ConcurrentSameKeyCreatesOne": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		const n = 12
		var wg sync.WaitGroup
		ids := make(chan string, n)
		createdCount := make(chan bool, n)
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				e, created, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "race", "same"))
				if err != nil {
					errs <- err
					return
				}
				ids <- e.ID
				createdCount <- created
			})
		}
		wg.Wait()
		close(ids)
		close(createdCount)
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		distinct := map[string]bool{}
		for id := range ids {
			distinct[id] = true
		}
		require.Len(t, distinct, 1)
		created := 0
		for c := range createdCount {
			if c {
				created++
			}
		}
		require.Equal(t, 1, created)
	},
	"UpdateWithEvents": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		e, _, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "k", "h"))
		require.NoError(t, err)
		ev := &store.Event{TenantID: tenantA, IntegrationID: in.ID, Type: "message.sent", Payload: json.RawMessage(`{"outbox_id":"x"}`)}
		got, err := h.Store.UpdateOutbox(ctx, tenantA, e.ID, func(o *store.OutboxEntry) ([]*store.Event, error) {
			o.Status = store.OutboxSent
			o.Attempts++
			o.Result = &connector.SendResult{ProviderID: "gm-1", ThreadID: "thread-1", MessageID: o.Message.MessageID, Response: "250 OK"}
			o.SentAt = base
			return []*store.Event{ev}, nil
		})
		require.NoError(t, err)
		require.Equal(t, store.OutboxSent, got.Status)
		again, err := h.Store.GetOutbox(ctx, tenantA, e.ID)
		require.NoError(t, err)
		require.Equal(t, store.OutboxSent, again.Status)
		require.Equal(t, 1, again.Attempts)
		require.Equal(t, "gm-1", again.Result.ProviderID)
		require.Equal(t, "250 OK", again.Result.Response)
		require.True(t, base.Equal(again.SentAt))
		stored, err := h.Store.GetEvent(ctx, tenantA, ev.ID)
		require.NoError(t, err)
		require.Equal(t, "message.sent", stored.Type)
	},
	"UpdateAbortsAndGuardsFields": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		e, _, err := h.Store.CreateOutbox(ctx, outboxEntry(in, "k", "h"))
		require.NoError(t, err)
		boom := errors.New("boom")
		_, err = h.Store.UpdateOutbox(ctx, tenantA, e.ID, func(o *store.OutboxEntry) ([]*store.Event, error) {
			o.Status = store.OutboxFailed
			return []*store.Event{{TenantID: tenantA, Type: "message.failed", Payload: json.RawMessage(`{}`)}}, boom
		})
		require.ErrorIs(t, err, boom)
		for field, change := range map[string]func(*store.OutboxEntry){
			"idempotency_key": func(o *store.OutboxEntry) { o.IdempotencyKey = "other" },
			"request_hash":    func(o *store.OutboxEntry) { o.RequestHash = "other" },
			"integration_id":  func(o *store.OutboxEntry) { o.IntegrationID = store.NewID() },
			"status":          func(o *store.OutboxEntry) { o.Status = "exploded" },
		} {
			_, err = h.Store.UpdateOutbox(ctx, tenantA, e.ID, func(o *store.OutboxEntry) ([]*store.Event, error) {
				change(o)
				o.LastError = "should not be saved"
				return nil, nil
			})
			require.ErrorIs(t, err, store.ErrInvalid, field)
		}
		got, err := h.Store.GetOutbox(ctx, tenantA, e.ID)
		require.NoError(t, err)
		require.Equal(t, store.OutboxPending, got.Status)
		require.Empty(t, got.LastError)
		evs, err := h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{})
		require.NoError(t, err)
		require.Empty(t, evs.Items)
	},
}
