package memory

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
)

func TestCommitSyncConcurrentOverlappingBatches(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)

	const workers, perWorker, overlap = 8, 20, 10
	var (
		mu       sync.Mutex
		inserted = map[string]int{}
		events   = map[string]int{}
		wg       sync.WaitGroup
	)
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			// Worker w commits messages [w*10, w*10+20): each overlaps
			// its neighbours' by half.
			batch := msgs(w*overlap, w*overlap+perWorker)
			for {
				st, err := s.SyncState(ctx, tenantA, in.ID)
				if err != nil {
					errs <- err
					return
				}
				res, err := s.CommitSync(ctx, &store.SyncCommit{
					TenantID: tenantA, IntegrationID: in.ID, Version: st.Version,
					Cursor: connector.Cursor(fmt.Sprintf("w%d", w)), Messages: batch,
					Events: func(ins []*store.Message) ([]*store.Event, error) {
						out := make([]*store.Event, len(ins))
						for i, m := range ins {
							out[i] = &store.Event{Type: "message.received", Payload: json.RawMessage(fmt.Sprintf("%q", m.ProviderID))}
						}
						return out, nil
					},
				})
				if errors.Is(err, store.ErrConflict) {
					continue // another worker committed first: read the new version
				}
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				for _, m := range res.Inserted {
					inserted[m.ProviderID]++
				}
				for _, e := range res.Events {
					events[string(e.Payload)]++
				}
				mu.Unlock()
				return
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	total := (workers-1)*overlap + perWorker
	require.Len(t, inserted, total)
	for id, n := range inserted {
		require.Equal(t, 1, n, "message %s reported inserted %d times", id, n)
	}
	require.Len(t, events, total)
	for id, n := range events {
		require.Equal(t, 1, n, "event for %s stored %d times", id, n)
	}
	st, err := s.SyncState(ctx, tenantA, in.ID)
	require.NoError(t, err)
	require.EqualValues(t, workers, st.Version)
	n, err := s.CountMessages(ctx, tenantA, in.ID)
	require.NoError(t, err)
	require.EqualValues(t, total, n)
}

func TestCommitSyncSameVersionRaceHasOneWinner(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	const racers = 10
	results := make(chan error, racers)
	var wg sync.WaitGroup
	for i := range racers {
		wg.Go(func() {
			_, err := s.CommitSync(ctx, &store.SyncCommit{
				TenantID: tenantA, IntegrationID: in.ID, Version: 0,
				Cursor: connector.Cursor(fmt.Sprint(i)), Messages: msgs(i, i+1),
			})
			results <- err
		})
	}
	wg.Wait()
	close(results)
	won := 0
	for err := range results {
		if err == nil {
			won++
			continue
		}
		require.ErrorIs(t, err, store.ErrConflict)
	}
	require.Equal(t, 1, won)
	n, err := s.CountMessages(ctx, tenantA, in.ID)
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "a losing commit stored messages")
}

func TestCommitSyncCounts(t *testing.T) {
	t.Parallel()
	flags := func(pid string, f ...string) connector.Change {
		return connector.Change{Kind: connector.ChangeFlags, ProviderID: pid, Flags: f, Labels: []string{"Support"}}
	}
	deleted := func(pid string) connector.Change {
		return connector.Change{Kind: connector.ChangeDeleted, ProviderID: pid}
	}
	reordered := msg(0)
	reordered.Flags = []string{connector.FlagFlagged, connector.FlagSeen}
	flagged := msg(0)
	flagged.Flags = []string{connector.FlagSeen, connector.FlagFlagged}
	rethreaded := msg(0)
	rethreaded.ThreadID = "other"
	moved := msg(0)
	moved.Folders = []string{"Archive"}
	changedBody := msg(0)
	changedBody.Subject = "a new subject is not a change the store tracks"

	cases := map[string]struct {
		setup                      []connector.Change // applied to messages 0 and 1 after they are stored
		batch                      []*connector.Message
		changes                    []connector.Change
		inserted, updated, deleted int
	}{
		"unchanged":                   {batch: msgs(0, 2)},
		"body is not tracked":         {batch: []*connector.Message{changedBody}},
		"flags":                       {batch: []*connector.Message{flagged}, updated: 1},
		"flags in another order":      {setup: []connector.Change{flags(msg(0).ProviderID, connector.FlagFlagged, connector.FlagSeen)}, batch: []*connector.Message{reordered, flagged}},
		"thread":                      {batch: []*connector.Message{rethreaded}, updated: 1},
		"folders":                     {batch: []*connector.Message{moved}, updated: 1},
		"flag change":                 {changes: []connector.Change{flags(msg(1).ProviderID, connector.FlagAnswered)}, updated: 1},
		"flag change to same flags":   {changes: []connector.Change{flags(msg(1).ProviderID, connector.FlagSeen)}},
		"undeleted":                   {setup: []connector.Change{deleted(msg(0).ProviderID)}, batch: msgs(0, 1), updated: 1},
		"deleted":                     {changes: []connector.Change{deleted(msg(0).ProviderID), deleted(msg(0).ProviderID)}, deleted: 1},
		"deleted again":               {setup: []connector.Change{deleted(msg(0).ProviderID)}, changes: []connector.Change{deleted(msg(0).ProviderID)}},
		"undeleted then deleted":      {setup: []connector.Change{deleted(msg(0).ProviderID)}, batch: msgs(0, 1), changes: []connector.Change{deleted(msg(0).ProviderID)}},
		"changed while deleted":       {setup: []connector.Change{deleted(msg(0).ProviderID)}, batch: []*connector.Message{flagged}, changes: []connector.Change{deleted(msg(0).ProviderID)}, updated: 1},
		"changed and deleted":         {batch: []*connector.Message{flagged}, changes: []connector.Change{deleted(msg(0).ProviderID)}, updated: 1, deleted: 1},
		"inserted then deleted":       {batch: msgs(2, 4), changes: []connector.Change{deleted(msg(3).ProviderID)}, inserted: 2, deleted: 1},
		"inserted then flagged":       {batch: msgs(2, 3), changes: []connector.Change{flags(msg(2).ProviderID, "x")}, inserted: 1},
		"known twice in one batch":    {batch: []*connector.Message{flagged, msg(0), flagged}, updated: 1},
		"unknown changes are ignored": {changes: []connector.Change{deleted("nope"), flags("nope", "x")}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			in := mustIntegration(t, s, tenantA)
			commit(t, s, in, msgs(0, 2))
			if tc.setup != nil {
				commit(t, s, in, nil, tc.setup...)
			}
			before, err := s.ListMessages(t.Context(), tenantA, in.ID, store.ListMessagesOptions{IncludeDeleted: true})
			require.NoError(t, err)
			res := commit(t, s, in, tc.batch, tc.changes...)
			require.Len(t, res.Inserted, tc.inserted, "inserted")
			require.Equal(t, tc.updated, res.Updated, "updated")
			require.Equal(t, tc.deleted, res.Deleted, "deleted")

			// A message the commit did not change is untouched, down to
			// its UpdatedAt; a deleted message keeps when it was deleted.
			for _, old := range before.Items {
				got, err := s.GetMessage(t.Context(), tenantA, in.ID, old.ID)
				require.NoError(t, err)
				if !old.DeletedAt.IsZero() && !got.DeletedAt.IsZero() {
					require.Equal(t, old.DeletedAt, got.DeletedAt)
				}
				if tc.updated == 0 && tc.deleted == 0 {
					require.Equal(t, old, got)
				}
			}
		})
	}
}

func TestCommitSyncStoresNoAttachmentContent(t *testing.T) {
	t.Parallel()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	res := commit(t, s, in, msgs(0, 1))
	require.Nil(t, res.Inserted[0].Attachments[0].Content)
	require.Equal(t, "a.txt", res.Inserted[0].Attachments[0].Filename)
}

func TestCommitSyncCallbackMayReadTheStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	commit(t, s, in, msgs(0, 1))
	within(t, func() {
		res, err := s.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Version: 1, Cursor: "c2", Messages: msgs(0, 3),
			Events: func(ins []*store.Message) ([]*store.Event, error) {
				require.Equal(t, []string{msg(1).ProviderID, msg(2).ProviderID}, []string{ins[0].ProviderID, ins[1].ProviderID})
				// The callback sees the store as it was before the commit.
				st, err := s.SyncState(ctx, tenantA, in.ID)
				require.NoError(t, err)
				require.EqualValues(t, 1, st.Version)
				n, err := s.CountMessages(ctx, tenantA, in.ID)
				require.NoError(t, err)
				require.EqualValues(t, 1, n)
				// Other writes do not wait for the commit.
				_, err = s.UpdateIntegration(ctx, tenantA, in.ID, func(i *store.Integration) error {
					i.LastError = "set during a commit"
					return nil
				})
				require.NoError(t, err)
				return []*store.Event{{Type: "message.received"}}, nil
			},
		})
		require.NoError(t, err)
		require.Len(t, res.Events, 1)
		require.Equal(t, tenantA, res.Events[0].TenantID, "an event takes the commit's tenant")
		require.Equal(t, in.ID, res.Events[0].IntegrationID, "an event takes the commit's integration")
	})
	got, err := s.GetIntegration(ctx, tenantA, in.ID)
	require.NoError(t, err)
	require.Equal(t, "set during a commit", got.LastError)
	require.False(t, got.LastSyncAt.IsZero(), "the update during the commit overwrote LastSyncAt")
}

func TestCommitSyncKeepsLastSyncAtFromConcurrentUpdate(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)

	inFn := make(chan struct{})
	release := make(chan struct{})
	updated := make(chan error, 1)
	go func() {
		_, err := s.UpdateIntegration(ctx, tenantA, in.ID, func(i *store.Integration) error {
			close(inFn)
			<-release
			i.Name = "renamed"
			return nil
		})
		updated <- err
	}()
	<-inFn // the update has read the integration, LastSyncAt zero
	committed := make(chan error, 1)
	go func() {
		_, err := s.CommitSync(ctx, &store.SyncCommit{TenantID: tenantA, IntegrationID: in.ID, Cursor: "c1", Messages: msgs(0, 1)})
		committed <- err
	}()
	select {
	case err := <-committed:
		t.Fatalf("the commit wrote LastSyncAt while an update held the integration (err %v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	require.NoError(t, <-updated)
	require.NoError(t, <-committed)
	got, err := s.GetIntegration(ctx, tenantA, in.ID)
	require.NoError(t, err)
	require.Equal(t, "renamed", got.Name)
	require.False(t, got.LastSyncAt.IsZero(), "the update lost the commit's LastSyncAt")
}

func TestCommitSyncIntegrationDeletedByCallback(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	within(t, func() {
		_, err := s.CommitSync(ctx, &store.SyncCommit{
			TenantID: tenantA, IntegrationID: in.ID, Cursor: "c1", Messages: msgs(0, 2),
			Events: func([]*store.Message) ([]*store.Event, error) {
				return nil, s.DeleteIntegration(ctx, tenantA, in.ID)
			},
		})
		require.ErrorIs(t, err, store.ErrNotFound)
	})
	_, err := s.GetMessageByProviderID(ctx, tenantA, in.ID, msg(0).ProviderID)
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestCommitSyncRejects(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newStore(t)
	in := mustIntegration(t, s, tenantA)
	other := mustIntegration(t, s, tenantB)
	for field, c := range map[string]*store.SyncCommit{
		"commit":                 {},
		"tenant_id":              {IntegrationID: in.ID, Cursor: "c"},
		"integration_id":         {TenantID: tenantA, Cursor: "c"},
		"cursor":                 {TenantID: tenantA, IntegrationID: in.ID},
		"messages[1]":            {TenantID: tenantA, IntegrationID: in.ID, Cursor: "c", Messages: []*connector.Message{msg(1), nil}},
		"changes[0].kind":        {TenantID: tenantA, IntegrationID: in.ID, Cursor: "c", Changes: []connector.Change{{ProviderID: "x"}}},
		"changes[0].provider_id": {TenantID: tenantA, IntegrationID: in.ID, Cursor: "c", Changes: []connector.Change{{Kind: connector.ChangeDeleted}}},
		"events[0].tenant_id": {TenantID: tenantA, IntegrationID: in.ID, Cursor: "c", Messages: msgs(0, 1),
			Events: func([]*store.Message) ([]*store.Event, error) {
				return []*store.Event{{TenantID: tenantB, IntegrationID: other.ID, Type: "x"}}, nil
			}},
	} {
		if field == "commit" {
			c = nil
		}
		_, err := s.CommitSync(ctx, c)
		var ie *store.InvalidError
		require.ErrorAs(t, err, &ie, field)
		require.Equal(t, field, ie.Field)
		require.Contains(t, err.Error(), "memory: ")
	}
	n, err := s.CountMessages(ctx, tenantA, in.ID)
	require.NoError(t, err)
	require.Zero(t, n)
	evs, err := s.ListEvents(ctx, tenantB, store.ListEventsOptions{})
	require.NoError(t, err)
	require.Empty(t, evs.Items)
}
