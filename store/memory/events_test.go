package memory

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/store"
)

func TestEventDelivery(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

	setup := func(t *testing.T) (*Store, *store.Event) {
		s := newStore(t, Options{Now: func() time.Time { return now }})
		in := mustIntegration(t, s, tenantA)
		ev := &store.Event{TenantID: tenantA, IntegrationID: in.ID, Type: "message.received"}
		require.NoError(t, s.InsertEvents(t.Context(), ev))
		require.Equal(t, now, ev.NextAttemptAt, "an event is due when stored")
		return s, ev
	}
	claim := func(t *testing.T, s *Store, at time.Time) []string {
		got, err := s.ClaimEvents(t.Context(), at, 10, time.Minute)
		require.NoError(t, err)
		var ids []string
		for _, e := range got {
			ids = append(ids, e.ID)
		}
		return ids
	}

	t.Run("LeaseHidesUntilItEnds", func(t *testing.T) {
		t.Parallel()
		s, ev := setup(t)
		require.Equal(t, []string{ev.ID}, claim(t, s, now))
		require.Empty(t, claim(t, s, now.Add(59*time.Second)))
		require.Equal(t, []string{ev.ID}, claim(t, s, now.Add(time.Minute)), "a lease that ended makes the event due")
		got, err := s.GetEvent(t.Context(), tenantA, ev.ID)
		require.NoError(t, err)
		require.Zero(t, got.Attempts, "claiming is not an attempt")
		require.Equal(t, now, got.NextAttemptAt)
	})
	t.Run("FailedReleasesTheLease", func(t *testing.T) {
		t.Parallel()
		s, ev := setup(t)
		claim(t, s, now)
		require.NoError(t, s.MarkEventFailed(t.Context(), ev.ID, now.Add(time.Second), "timeout"))
		require.Equal(t, []string{ev.ID}, claim(t, s, now.Add(time.Second)))
	})
	t.Run("DeliveredIsFinal", func(t *testing.T) {
		t.Parallel()
		s, ev := setup(t)
		at := now.Add(time.Second)
		require.NoError(t, s.MarkEventDelivered(t.Context(), ev.ID, at))
		require.NoError(t, s.MarkEventDelivered(t.Context(), ev.ID, at.Add(time.Hour)))
		require.NoError(t, s.MarkEventFailed(t.Context(), ev.ID, at, "late report from a worker whose lease ran out"))
		got, err := s.GetEvent(t.Context(), tenantA, ev.ID)
		require.NoError(t, err)
		require.Equal(t, store.EventDelivered, got.Status)
		require.Equal(t, 1, got.Attempts)
		require.Equal(t, at, got.DeliveredAt)
		require.Empty(t, got.LastError)
	})
	t.Run("RedeliverDelivered", func(t *testing.T) {
		t.Parallel()
		s, ev := setup(t)
		require.NoError(t, s.MarkEventDelivered(t.Context(), ev.ID, now))
		now := now.Add(time.Hour)
		s.clock = func() time.Time { return now }
		got, err := s.RedeliverEvent(t.Context(), tenantA, ev.ID)
		require.NoError(t, err)
		require.Equal(t, store.EventPending, got.Status)
		require.Equal(t, now, got.NextAttemptAt)
		require.True(t, got.DeliveredAt.IsZero())
		require.Equal(t, 1, got.Attempts)
		require.Equal(t, []string{ev.ID}, claim(t, s, now))
	})
	t.Run("ClaimOrder", func(t *testing.T) {
		t.Parallel()
		s, first := setup(t)
		later := &store.Event{TenantID: tenantB, Type: "x", NextAttemptAt: now.Add(-time.Second)}
		sameTime := &store.Event{TenantID: tenantA, Type: "x", NextAttemptAt: now}
		require.NoError(t, s.InsertEvents(t.Context(), later, sameTime))
		require.Equal(t, []string{later.ID, first.ID, sameTime.ID}, claim(t, s, now),
			"due order, then stored order, across tenants")
	})
	t.Run("Rejects", func(t *testing.T) {
		t.Parallel()
		s, ev := setup(t)
		_, err := s.ClaimEvents(t.Context(), now, 0, time.Minute)
		require.ErrorIs(t, err, store.ErrInvalid)
		_, err = s.ClaimEvents(t.Context(), now, 1, 0)
		require.ErrorIs(t, err, store.ErrInvalid)
		require.ErrorIs(t, s.MarkEventDelivered(t.Context(), ev.ID, time.Time{}), store.ErrInvalid)
		require.ErrorIs(t, s.InsertEvents(t.Context(), &store.Event{ID: "not-a-uuid", TenantID: tenantA, Type: "x"}), store.ErrInvalid)
		require.ErrorIs(t, s.InsertEvents(t.Context(), &store.Event{TenantID: tenantA, Type: "x", Status: "lost"}), store.ErrInvalid)
		require.ErrorIs(t, s.InsertEvents(t.Context(), &store.Event{TenantID: tenantB, IntegrationID: ev.IntegrationID, Type: "x"}),
			store.ErrNotFound, "an event of tenant B cannot hang off tenant A's integration")
	})
	t.Run("CallerChosenIDs", func(t *testing.T) {
		t.Parallel()
		s, _ := setup(t)
		id := store.NewID()
		e := &store.Event{ID: strings.ToUpper(id), TenantID: tenantA, Type: "x"}
		require.NoError(t, s.InsertEvents(t.Context(), e, &store.Event{ID: id, TenantID: tenantA, Type: "dup"}))
		got, err := s.GetEvent(t.Context(), tenantA, id)
		require.NoError(t, err, "ids are UUIDs: case does not matter")
		require.Equal(t, "x", got.Type)
		page, err := s.ListEvents(t.Context(), tenantA, store.ListEventsOptions{})
		require.NoError(t, err)
		require.Len(t, page.Items, 2)
	})
}
