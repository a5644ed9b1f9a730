package postgres_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/store"
	"github.com/ucsp/integration/store/postgres"
	"github.com/ucsp/integration/store/postgres/pgtest"
)

// commitAt commits msgs and changes at the integration's current version.
func commitAt(t *testing.T, st *postgres.Store, in *store.Integration, cursor string, msgs []*connector.Message, changes ...connector.Change) *store.SyncResult {
	t.Helper()
	ctx := testContext(t)
	s, err := st.SyncState(ctx, in.TenantID, in.ID)
	require.NoError(t, err)
	res, err := st.CommitSync(ctx, &store.SyncCommit{
		TenantID: in.TenantID, IntegrationID: in.ID, Version: s.Version,
		Cursor: connector.Cursor(cursor), Messages: msgs, Changes: changes,
	})
	require.NoError(t, err)
	return res
}

// TestCommitSyncConcurrentStores races several stores, each on its own
// pool as separate processes would be, committing overlapping batches of
// one mailbox: every message must be reported inserted exactly once in
// total.
func TestCommitSyncConcurrentStores(t *testing.T) {
	t.Parallel()
	cfg := pgtest.Config(t)
	first := pgtest.NewPool(t, cfg)
	_, err := postgres.Migrate(testContext(t), first)
	require.NoError(t, err)
	ring := newKeyring(t)
	in := newIntegration(t, newStore(t, first, ring), "tenant", connector.Credentials{})

	const (
		workers = 4
		total   = 400
		batch   = 50
	)
	all := make([]*connector.Message, total)
	for i := range all {
		all[i] = &connector.Message{ProviderID: fmt.Sprintf("m-%03d", i), Subject: fmt.Sprintf("s%d", i)}
	}
	var (
		mu       sync.Mutex
		inserted = map[string]int{}
		wg       sync.WaitGroup
		errs     = make(chan error, workers)
	)
	ctx := testContext(t)
	for w := range workers {
		st := newStore(t, pgtest.NewPool(t, cfg), ring)
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 42))
			order := r.Perm(total)
			for start := 0; start < total; start += batch {
				var msgs []*connector.Message
				for _, i := range order[start : start+batch] {
					msgs = append(msgs, all[i])
				}
				for {
					s, err := st.SyncState(ctx, in.TenantID, in.ID)
					if err != nil {
						errs <- err
						return
					}
					res, err := st.CommitSync(ctx, &store.SyncCommit{
						TenantID: in.TenantID, IntegrationID: in.ID, Version: s.Version,
						Cursor: connector.Cursor(fmt.Sprintf("w%d-%d", w, start)), Messages: msgs,
					})
					if errors.Is(err, store.ErrConflict) {
						continue
					}
					if err != nil {
						errs <- err
						return
					}
					mu.Lock()
					for _, m := range res.Inserted {
						inserted[m.ProviderID]++
					}
					mu.Unlock()
					break
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Len(t, inserted, total)
	for id, n := range inserted {
		require.Equal(t, 1, n, "message %s reported inserted %d times", id, n)
	}
}

// TestCommitSyncCleansText stores a message whose text PostgreSQL could
// not hold as it is: the sync goes on, with U+FFFD in place of each bad
// byte.
func TestCommitSyncCleansText(t *testing.T) {
	t.Parallel()
	st := newStore(t, pgtest.Pool(t), newKeyring(t))
	in := newIntegration(t, st, "tenant", connector.Credentials{})
	dirty := "a\x00b\xffc"
	m := &connector.Message{
		ProviderID: "p-1", ThreadID: dirty, MessageID: dirty, InReplyTo: []string{dirty},
		From: []connector.Address{{Name: dirty, Email: dirty}}, Subject: dirty, Text: dirty, HTML: dirty,
		Attachments: []connector.Attachment{{ID: dirty, Filename: dirty}},
		Folders:     []string{dirty}, Labels: []string{dirty}, Flags: []string{dirty},
		Headers: connector.Header{dirty: {dirty}}, Problems: []string{dirty},
	}
	res := commitAt(t, st, in, "c1", []*connector.Message{m})
	require.Len(t, res.Inserted, 1)

	clean := "a\uFFFDb\uFFFDc"
	want := connector.Message{
		ProviderID: "p-1", ThreadID: clean, MessageID: clean, InReplyTo: []string{clean},
		From: []connector.Address{{Name: clean, Email: clean}}, Subject: clean, Text: clean, HTML: clean,
		Attachments: []connector.Attachment{{ID: clean, Filename: clean}},
		Folders:     []string{clean}, Labels: []string{clean}, Flags: []string{clean},
		Headers: connector.Header{clean: {clean}}, Problems: []string{clean},
	}
	require.Equal(t, want, res.Inserted[0].Message)
	got, err := st.GetMessage(testContext(t), "tenant", in.ID, res.Inserted[0].ID)
	require.NoError(t, err)
	require.Equal(t, want, got.Message)
	require.Equal(t, dirty, m.Subject, "the caller's message is left as it was")

	// A flag change carrying bad text is cleaned the same way.
	res = commitAt(t, st, in, "c2", nil, connector.Change{Kind: connector.ChangeFlags, ProviderID: "p-1", Flags: []string{"x\x00"}})
	require.Equal(t, 1, res.Updated)
	got, err = st.GetMessage(testContext(t), "tenant", in.ID, got.ID)
	require.NoError(t, err)
	require.Equal(t, []string{"x\uFFFD"}, got.Flags)
}

// TestCommitSyncRefusesBadProviderID: a provider id or ref is a key, so
// it is refused rather than cleaned (two cleaned keys could collide). A
// change naming one is ignored, as an unknown key is.
func TestCommitSyncRefusesBadProviderID(t *testing.T) {
	t.Parallel()
	st := newStore(t, pgtest.Pool(t), newKeyring(t))
	in := newIntegration(t, st, "tenant", connector.Credentials{})
	for field, m := range map[string]*connector.Message{
		"messages[1].provider_id":  {ProviderID: "bad\x00id"},
		"messages[1].provider_ref": {ProviderID: "p", ProviderRef: "bad\xffref"},
	} {
		_, err := st.CommitSync(testContext(t), &store.SyncCommit{
			TenantID: "tenant", IntegrationID: in.ID, Cursor: "c1",
			Messages: []*connector.Message{{ProviderID: "ok"}, m},
		})
		var ie *store.InvalidError
		require.ErrorAs(t, err, &ie, field)
		require.Equal(t, field, ie.Field)
	}
	commitAt(t, st, in, "c1", []*connector.Message{{ProviderID: "ok", ProviderRef: "r"}})
	res := commitAt(t, st, in, "c2", nil,
		connector.Change{Kind: connector.ChangeDeleted, ProviderRef: "bad\x00ref"},
		connector.Change{Kind: connector.ChangeFlags, ProviderRef: "bad\x00ref", Flags: []string{"x"}},
		connector.Change{Kind: connector.ChangeDeleted, ProviderID: "bad\x00id", ProviderRef: "r"})
	require.Zero(t, res.Deleted)
	require.Zero(t, res.Updated)
}

func TestRefusesTextPostgresCannotHold(t *testing.T) {
	t.Parallel()
	st := newStore(t, pgtest.Pool(t), newKeyring(t))
	ctx := testContext(t)
	cases := map[string]*store.Integration{
		"name":      {TenantID: "t", Provider: "imap", Name: "nul\x00"},
		"tenant_id": {TenantID: "t\xff", Provider: "imap", Name: "n"},
		"config":    {TenantID: "t", Provider: "imap", Name: "n", Config: []byte(`{"a":"\u0000"}`)},
	}
	for field, in := range cases {
		err := st.CreateIntegration(ctx, in, connector.Credentials{})
		var ie *store.InvalidError
		require.ErrorAs(t, err, &ie, field)
		require.Equal(t, field, ie.Field)
	}
	// An escaped backslash before "u0000" is plain text, not a NUL.
	ok := &store.Integration{TenantID: "t", Provider: "imap", Name: "n", Config: []byte(`{"a":"\\u0000"}`)}
	require.NoError(t, st.CreateIntegration(ctx, ok, connector.Credentials{}))
}

// TestCommitSyncInsertedAsStored: the messages a commit reports inserted
// carry the changes the same commit applied to them.
func TestCommitSyncInsertedAsStored(t *testing.T) {
	t.Parallel()
	st := newStore(t, pgtest.Pool(t), newKeyring(t))
	in := newIntegration(t, st, "tenant", connector.Credentials{})
	ctx := testContext(t)
	res := commitAt(t, st, in, "c1",
		[]*connector.Message{
			{ProviderID: "a", Flags: []string{"x"}}, {ProviderID: "b"},
			{ProviderID: "c", ProviderRef: "ref-c"}, {ProviderID: "d", ProviderRef: "ref-d"},
		},
		connector.Change{Kind: connector.ChangeFlags, ProviderID: "a", Flags: []string{connector.FlagSeen}, Labels: []string{"L"}},
		connector.Change{Kind: connector.ChangeDeleted, ProviderID: "b"},
		connector.Change{Kind: connector.ChangeFlags, ProviderRef: "ref-c", Flags: []string{"y"}},
		connector.Change{Kind: connector.ChangeFlags, ProviderRef: "ref-c", Flags: []string{connector.FlagDraft}},
		connector.Change{Kind: connector.ChangeDeleted, ProviderRef: "ref-d"},
	)
	require.Len(t, res.Inserted, 4)
	require.Zero(t, res.Updated, "a message inserted by this commit is not also updated")
	require.Equal(t, 2, res.Deleted)
	require.Equal(t, []string{connector.FlagDraft}, res.Inserted[2].Flags)
	for _, m := range res.Inserted {
		got, err := st.GetMessage(ctx, "tenant", in.ID, m.ID)
		require.NoError(t, err)
		require.Equal(t, got, m)
	}
}

// TestCommitSyncFillsEventScope: events a sync makes belong to its tenant
// and integration unless they say otherwise, and may not name another
// tenant.
func TestCommitSyncFillsEventScope(t *testing.T) {
	t.Parallel()
	st := newStore(t, pgtest.Pool(t), newKeyring(t))
	in := newIntegration(t, st, "tenant", connector.Credentials{})
	ctx := testContext(t)
	res, err := st.CommitSync(ctx, &store.SyncCommit{
		TenantID: "tenant", IntegrationID: in.ID, Cursor: "c1", Messages: []*connector.Message{{ProviderID: "a"}},
		Events: func([]*store.Message) ([]*store.Event, error) {
			return []*store.Event{{Type: "message.received"}}, nil
		},
	})
	require.NoError(t, err)
	ev, err := st.GetEvent(ctx, "tenant", res.Events[0].ID)
	require.NoError(t, err)
	require.Equal(t, in.ID, ev.IntegrationID)

	_, err = st.CommitSync(ctx, &store.SyncCommit{
		TenantID: "tenant", IntegrationID: in.ID, Version: res.Version, Cursor: "c2",
		Events: func([]*store.Message) ([]*store.Event, error) {
			return []*store.Event{{TenantID: "someone-else", Type: "x"}}, nil
		},
	})
	var ie *store.InvalidError
	require.ErrorAs(t, err, &ie)
	require.Equal(t, "events[0].tenant_id", ie.Field)
}

// TestCommitSyncStampsAfterPreviousCommit: a commit whose clock lags the
// previous commit's (another host's) is stamped a microsecond after it,
// so that no message holds the time of the commit under way, which
// tells a message that changed from one that only got a new ref.
func TestCommitSyncStampsAfterPreviousCommit(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	st := newStore(t, pool, newKeyring(t))
	in := newIntegration(t, st, "tenant", connector.Credentials{})
	ctx := testContext(t)
	commitAt(t, st, in, "c1", []*connector.Message{{ProviderID: "a", ProviderRef: "r1"}})
	ahead := time.Now().Add(time.Hour).UTC().Truncate(time.Microsecond)
	_, err := pool.Exec(ctx, `UPDATE sync_states SET updated_at = $1`, ahead)
	require.NoError(t, err)
	_, err = pool.Exec(ctx, `UPDATE messages SET updated_at = $1`, ahead)
	require.NoError(t, err)

	res := commitAt(t, st, in, "c2", []*connector.Message{{ProviderID: "a", ProviderRef: "r2"}, {ProviderID: "b"}})
	want := ahead.Add(time.Microsecond)
	require.Len(t, res.Inserted, 1)
	require.Equal(t, want, res.Inserted[0].CreatedAt)
	require.Zero(t, res.Updated)
	s, err := st.SyncState(ctx, "tenant", in.ID)
	require.NoError(t, err)
	require.Equal(t, want, s.UpdatedAt)
	a, err := st.GetMessageByProviderID(ctx, "tenant", in.ID, "a")
	require.NoError(t, err)
	require.Equal(t, "r2", a.ProviderRef)
	require.Equal(t, ahead, a.UpdatedAt, "a new ref alone does not move UpdatedAt")
	b, err := st.GetMessage(ctx, "tenant", in.ID, res.Inserted[0].ID)
	require.NoError(t, err)
	require.Equal(t, want, b.CreatedAt)
}
