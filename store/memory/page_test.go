package memory

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

func TestPagingIsStableUnderConcurrentInserts(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	commit(t, s, in, msgs(0, 200))
	existing, err := s.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: store.MaxLimit}})
	require.NoError(t, err)
	require.Len(t, existing.Items, 200)

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := 200; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			st, err := s.SyncState(ctx, tenantA, in.ID)
			if err != nil {
				return
			}
			_, _ = s.CommitSync(ctx, &store.SyncCommit{
				TenantID: tenantA, IntegrationID: in.ID, Version: st.Version,
				Cursor: connector.Cursor(fmt.Sprint(n)), Messages: msgs(n, n+1),
			})
		}
	})

	seen := map[string]int{}
	var order []string
	opts := store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 7}}
	for pages := 0; pages < 100; pages++ {
		p, err := s.ListMessages(ctx, tenantA, in.ID, opts)
		require.NoError(t, err)
		for _, m := range p.Items {
			seen[m.ID]++
			order = append(order, m.ID)
		}
		if p.NextCursor == "" {
			break
		}
		opts.Cursor = p.NextCursor
	}
	close(stop)
	wg.Wait()

	for id, n := range seen {
		require.Equal(t, 1, n, "message %s returned %d times", id, n)
	}
	for _, m := range existing.Items {
		require.Contains(t, seen, m.ID, "message %s existed when paging began but was skipped", m.ProviderID)
	}
	require.IsIncreasing(t, order)
}

func TestPageCursors(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	commit(t, s, in, msgs(0, 4))

	p, err := s.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{ListOptions: store.ListOptions{Limit: 4}})
	require.NoError(t, err)
	require.Len(t, p.Items, 4)
	require.Empty(t, p.NextCursor, "no cursor when nothing follows")

	empty, err := s.ListIntegrations(ctx, tenantB, store.ListIntegrationsOptions{})
	require.NoError(t, err)
	require.NotNil(t, empty.Items, "an empty page holds an empty list, which JSON shows as []")

	// An integration cursor works as "after this id" for messages too,
	// but an event cursor is not an id.
	ev := &store.Event{TenantID: tenantA, Type: "x"}
	require.NoError(t, s.InsertEvents(ctx, ev, &store.Event{TenantID: tenantA, Type: "y"}))
	evs, err := s.ListEvents(ctx, tenantA, store.ListEventsOptions{ListOptions: store.ListOptions{Limit: 1}})
	require.NoError(t, err)
	require.NotEmpty(t, evs.NextCursor)
	_, err = s.ListMessages(ctx, tenantA, in.ID, store.ListMessagesOptions{ListOptions: store.ListOptions{Cursor: evs.NextCursor}})
	require.ErrorIs(t, err, store.ErrInvalidCursor)
	for _, c := range []string{store.EncodeCursor("0"), store.EncodeCursor("-3"), store.EncodeCursor(in.ID)} {
		_, err = s.ListEvents(ctx, tenantA, store.ListEventsOptions{ListOptions: store.ListOptions{Cursor: c}})
		require.ErrorIs(t, err, store.ErrInvalidCursor, c)
	}
}
