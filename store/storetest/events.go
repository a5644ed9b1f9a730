package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

func newEvent(in *store.Integration, n int) *store.Event {
	return &store.Event{
		TenantID: in.TenantID, IntegrationID: in.ID, Type: "message.received",
		Payload: json.RawMessage(fmt.Sprintf(`{"n":%d}`, n)),
	}
}

var eventTests = map[string]func(*testing.T, *Harness){
	"RecentAcrossTenants": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a, b := mustIntegration(t, h.Store, tenantA), mustIntegration(t, h.Store, tenantB)
		var ids []string // in insertion order
		for i, in := range []*store.Integration{a, b, a, b, a} {
			ev := newEvent(in, i)
			if i%2 == 1 {
				ev.Status = store.EventDead
			}
			require.NoError(t, h.Store.InsertEvents(ctx, ev))
			ids = append(ids, ev.ID)
		}
		recent, err := h.Store.RecentEvents(ctx, "", 3)
		require.NoError(t, err)
		require.Equal(t, []string{ids[4], ids[3], ids[2]}, eventIDs(recent), "newest first, every tenant")
		dead, err := h.Store.RecentEvents(ctx, store.EventDead, 10)
		require.NoError(t, err)
		require.Equal(t, []string{ids[3], ids[1]}, eventIDs(dead))
		require.Equal(t, tenantB, dead[0].TenantID)
		dead[0].Type = "changed"
		again, err := h.Store.RecentEvents(ctx, store.EventDead, 1)
		require.NoError(t, err)
		require.Equal(t, "message.received", again[0].Type, "a returned event is a copy")
		for _, bad := range []int{0, -1, store.MaxLimit + 1} {
			_, err := h.Store.RecentEvents(ctx, "", bad)
			require.ErrorIs(t, err, store.ErrInvalid, "limit %d", bad)
		}
		_, err = h.Store.RecentEvents(ctx, "lost", 1)
		require.ErrorIs(t, err, store.ErrInvalid)
	},
	"InsertFillsAndIsIdempotent": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		ev := newEvent(in, 1)
		require.NoError(t, h.Store.InsertEvents(ctx, ev))
		require.True(t, store.ValidID(ev.ID))
		require.Equal(t, store.EventPending, ev.Status)
		require.False(t, ev.CreatedAt.IsZero())
		require.False(t, ev.NextAttemptAt.IsZero())

		dup := newEvent(in, 2)
		dup.ID = ev.ID
		require.NoError(t, h.Store.InsertEvents(ctx, dup))
		got, err := h.Store.GetEvent(ctx, tenantA, ev.ID)
		require.NoError(t, err)
		require.JSONEq(t, `{"n":1}`, string(got.Payload), "a second insert with the same id changed the event")
		list, err := h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{})
		require.NoError(t, err)
		require.Len(t, list.Items, 1)
	},
	"InsertValidates": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		for field, ev := range map[string]*store.Event{
			"tenant_id": {Type: "x", Payload: json.RawMessage(`{}`)},
			"type":      {TenantID: tenantA, Payload: json.RawMessage(`{}`)},
			"payload":   {TenantID: tenantA, Type: "x", Payload: json.RawMessage(`{"unterminated`)},
		} {
			good := newEvent(in, 1)
			err := h.Store.InsertEvents(ctx, good, ev)
			require.ErrorIs(t, err, store.ErrInvalid, field)
		}
		list, err := h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{})
		require.NoError(t, err)
		require.Empty(t, list.Items, "a batch with an invalid event must store nothing")
	},
	"ListFiltersAndPages": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		a := mustIntegration(t, h.Store, tenantA)
		b := mustIntegration(t, h.Store, tenantA)
		var want []string
		for i := range 5 {
			ev := newEvent(a, i)
			require.NoError(t, h.Store.InsertEvents(ctx, ev))
			want = append(want, ev.ID)
		}
		require.NoError(t, h.Store.InsertEvents(ctx, newEvent(b, 9)))
		got := allPages(t, 2, func(o store.ListOptions) (*store.Page[*store.Event], error) {
			return h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{ListOptions: o, IntegrationID: a.ID})
		})
		require.Equal(t, want, eventIDs(got))
		require.NoError(t, h.Store.MarkEventDelivered(ctx, want[1], base))
		delivered, err := h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{Status: store.EventDelivered})
		require.NoError(t, err)
		require.Equal(t, []string{want[1]}, eventIDs(delivered.Items))
		_, err = h.Store.ListEvents(ctx, tenantA, store.ListEventsOptions{Status: "bogus"})
		require.ErrorIs(t, err, store.ErrInvalid)
	},
	"ClaimDueOldestFirstWithLease": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		now := time.Now().UTC().Truncate(time.Microsecond)
		var ids []string
		for i := range 4 {
			ev := newEvent(in, i)
			ev.NextAttemptAt = now.Add(-time.Duration(4-i) * time.Second)
			require.NoError(t, h.Store.InsertEvents(ctx, ev))
			ids = append(ids, ev.ID)
		}
		later := newEvent(in, 99)
		later.NextAttemptAt = now.Add(time.Hour)
		require.NoError(t, h.Store.InsertEvents(ctx, later))

		got, err := h.Store.ClaimEvents(ctx, now, 3, time.Minute)
		require.NoError(t, err)
		require.Equal(t, ids[:3], eventIDs(got))
		got, err = h.Store.ClaimEvents(ctx, now, 10, time.Minute)
		require.NoError(t, err)
		require.Equal(t, ids[3:], eventIDs(got), "claimed events are hidden while leased; future ones are not due")
		got, err = h.Store.ClaimEvents(ctx, now.Add(30*time.Second), 10, time.Minute)
		require.NoError(t, err)
		require.Empty(t, got)
		got, err = h.Store.ClaimEvents(ctx, now.Add(2*time.Minute), 10, time.Minute)
		require.NoError(t, err)
		require.Equal(t, ids, eventIDs(got), "an expired lease makes an event due again")
	},
	"ConcurrentClaimersNeverShare": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		now := time.Now().UTC()
		var all []*store.Event
		for i := range 60 {
			ev := newEvent(in, i)
			ev.NextAttemptAt = now.Add(-time.Minute)
			all = append(all, ev)
		}
		require.NoError(t, h.Store.InsertEvents(ctx, all...))
		var mu sync.Mutex
		seen := map[string]int{}
		var wg sync.WaitGroup
		errs := make(chan error, 5)
		for range 5 {
			wg.Go(func() {
				for {
					got, err := h.Store.ClaimEvents(ctx, now, 7, time.Hour)
					if err != nil {
						errs <- err
						return
					}
					if len(got) == 0 {
						return
					}
					mu.Lock()
					for _, ev := range got {
						seen[ev.ID]++
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, seen, 60)
		for id, n := range seen {
			require.Equal(t, 1, n, "event %s claimed %d times", id, n)
		}
	},
	"DeliveryBookkeeping": func(t *testing.T, h *Harness) {
		ctx := ctxFor(t)
		in := mustIntegration(t, h.Store, tenantA)
		now := time.Now().UTC().Truncate(time.Microsecond)
		ev := newEvent(in, 1)
		ev.NextAttemptAt = now
		require.NoError(t, h.Store.InsertEvents(ctx, ev))

		next := now.Add(time.Minute)
		require.NoError(t, h.Store.MarkEventFailed(ctx, ev.ID, next, "503 Service Unavailable"))
		got, err := h.Store.GetEvent(ctx, tenantA, ev.ID)
		require.NoError(t, err)
		require.Equal(t, store.EventPending, got.Status)
		require.Equal(t, 1, got.Attempts)
		require.Equal(t, "503 Service Unavailable", got.LastError)
		require.True(t, next.Equal(got.NextAttemptAt))
		claimed, err := h.Store.ClaimEvents(ctx, now.Add(30*time.Second), 10, time.Minute)
		require.NoError(t, err)
		require.Empty(t, claimed, "a failed event is not due before its next attempt")
		claimed, err = h.Store.ClaimEvents(ctx, next, 10, time.Minute)
		require.NoError(t, err)
		require.Equal(t, []string{ev.ID}, eventIDs(claimed))

		require.NoError(t, h.Store.MarkEventFailed(ctx, ev.ID, time.Time{}, "400 Bad Request"))
		got, err = h.Store.GetEvent(ctx, tenantA, ev.ID)
		require.NoError(t, err)
		require.Equal(t, store.EventDead, got.Status)
		require.Equal(t, 2, got.Attempts)
		claimed, err = h.Store.ClaimEvents(ctx, now.Add(time.Hour), 10, time.Minute)
		require.NoError(t, err)
		require.Empty(t, claimed, "a dead event is never claimed")

		red, err := h.Store.RedeliverEvent(ctx, tenantA, ev.ID)
		require.NoError(t, err)
		require.Equal(t, store.EventPending, red.Status)
		claimed, err = h.Store.ClaimEvents(ctx, time.Now().Add(time.Second), 10, time.Minute)
		require.NoError(t, err)
		require.Equal(t, []string{ev.ID}, eventIDs(claimed), "a redelivered event is due now")

		at := now.Add(2 * time.Minute)
		require.NoError(t, h.Store.MarkEventDelivered(ctx, ev.ID, at))
		got, err = h.Store.GetEvent(ctx, tenantA, ev.ID)
		require.NoError(t, err)
		require.Equal(t, store.EventDelivered, got.Status)
		require.Equal(t, 3, got.Attempts)
		require.True(t, at.Equal(got.DeliveredAt))
		claimed, err = h.Store.ClaimEvents(ctx, now.Add(time.Hour), 10, time.Minute)
		require.NoError(t, err)
		require.Empty(t, claimed, "a delivered event is never claimed")

		require.ErrorIs(t, h.Store.MarkEventDelivered(ctx, store.NewID(), at), store.ErrNotFound)
		require.ErrorIs(t, h.Store.MarkEventFailed(ctx, store.NewID(), at, "x"), store.ErrNotFound)
	},
}

func eventIDs(in []*store.Event) []string {
	out := make([]string, len(in))
	for i, e := range in {
		out[i] = e.ID
	}
	return out
}
