package actionrun_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/actionrun"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/queue"
	"github.com/ucsp/integration/store"
)

// TestSeenIsAnnouncedOnce: marking a message seen sets \Seen at the
// provider, the store follows with one message.updated (source api) in
// the same transaction; the same action again changes nothing and
// announces nothing; a sync that then reports the same state reports no
// change either.
func TestSeenIsAnnouncedOnce(t *testing.T) {
	t.Parallel()
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, open(t), "imap", 2, actionrun.Options{})
			m := f.msgs[0]
			res, err := f.do(t, connector.Action{Seen: ptr(true)}, m.ID)
			require.NoError(t, err)
			require.Len(t, res.Messages, 1)
			require.Equal(t, actionrun.OutcomeUpdated, res.Messages[0].Outcome)
			require.Equal(t, []string{connector.FlagSeen}, res.Messages[0].Message.Flags)
			st, ok := f.box.state(m.ProviderID)
			require.True(t, ok)
			require.Equal(t, []string{connector.FlagSeen}, st.flags, "the provider has \\Seen")
			require.Equal(t, []string{connector.FlagSeen}, f.message(t, m.ID).Flags, "the store follows")
			require.Empty(t, f.message(t, f.msgs[1].ID).Flags, "the other message is untouched")

			evs := f.events(t, syncrun.EventMessageUpdated)
			require.Len(t, evs, 1)
			var data struct {
				Source  string `json:"source"`
				Message struct {
					ID string `json:"id"`
				} `json:"message"`
			}
			require.NoError(t, json.Unmarshal(evs[0].Payload, &data))
			require.Equal(t, "api", data.Source)
			require.Equal(t, m.ID, data.Message.ID)
			require.Equal(t, []string{syncrun.EventMessageUpdated}, f.pub.types(), "published once committed")

			res, err = f.do(t, connector.Action{Seen: ptr(true)}, m.ID)
			require.NoError(t, err)
			require.Equal(t, actionrun.OutcomeUnchanged, res.Messages[0].Outcome)
			require.Empty(t, res.Events)
			require.Len(t, f.events(t, syncrun.EventMessageUpdated), 1, "nothing more announced")

			// The sync that sees the same state: no change to report.
			sync, err := f.st.CommitSync(t.Context(), &store.SyncCommit{
				TenantID: "acme", IntegrationID: f.in.ID, Version: 1, Cursor: "c2",
				Changes: []connector.Change{{Kind: connector.ChangeFlags, ProviderID: m.ProviderID, Flags: []string{connector.FlagSeen}}},
			})
			require.NoError(t, err)
			require.Zero(t, sync.Updated)
			require.Empty(t, sync.Changed)
		})
	}
}

// TestMoveKeepsIdentity: a move to the archive role gives the message
// its new ProviderID and folder in the store, under the same store id,
// with one message.updated naming the old ProviderID.
func TestMoveKeepsIdentity(t *testing.T) {
	t.Parallel()
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, open(t), "imap", 1, actionrun.Options{})
			m := f.msgs[0]
			res, err := f.do(t, connector.Action{MoveToRole: connector.RoleArchive}, m.ID)
			require.NoError(t, err)
			require.Equal(t, actionrun.OutcomeUpdated, res.Messages[0].Outcome)
			got := f.message(t, m.ID)
			require.Equal(t, []string{"Archive"}, got.Folders)
			require.NotEqual(t, m.ProviderID, got.ProviderID, "the provider's new identity is stored")
			st, ok := f.box.state(got.ProviderID)
			require.True(t, ok, "the stored ProviderID is where the provider has the message")
			require.Equal(t, "Archive", st.folder)
			_, ok = f.box.state(m.ProviderID)
			require.False(t, ok, "gone from INBOX")
			evs := f.events(t)
			require.Len(t, evs, 1)
			require.Equal(t, syncrun.EventMessageUpdated, evs[0].Type)
			require.Contains(t, string(evs[0].Payload), m.ProviderID, "the event names where the message was")
		})
	}
}

// TestGoneMarksDeleted: a message the provider no longer has is
// OutcomeGone, marked deleted in the store with one message.deleted
// (source api); asking again neither calls the provider nor announces.
func TestGoneMarksDeleted(t *testing.T) {
	t.Parallel()
	for name, open := range stores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, open(t), "imap", 2, actionrun.Options{})
			f.box.remove(f.msgs[0].ProviderID)
			res, err := f.do(t, connector.Action{Flagged: ptr(true)}, f.msgs[0].ID, f.msgs[1].ID)
			require.NoError(t, err)
			require.Equal(t, actionrun.OutcomeGone, res.Messages[0].Outcome)
			require.Equal(t, actionrun.OutcomeUpdated, res.Messages[1].Outcome)
			require.False(t, f.message(t, f.msgs[0].ID).DeletedAt.IsZero(), "marked deleted")
			require.True(t, f.message(t, f.msgs[1].ID).DeletedAt.IsZero())
			del := f.events(t, syncrun.EventMessageDeleted)
			require.Len(t, del, 1)
			require.Contains(t, string(del[0].Payload), `"source":"api"`)
			require.Len(t, f.events(t, syncrun.EventMessageUpdated), 1)

			calls := f.box.modifyCalls()
			res, err = f.do(t, connector.Action{Flagged: ptr(true)}, f.msgs[0].ID)
			require.NoError(t, err)
			require.Equal(t, actionrun.OutcomeGone, res.Messages[0].Outcome)
			require.Equal(t, calls, f.box.modifyCalls(), "a message the store knows gone is not sent")
			require.Len(t, f.events(t, syncrun.EventMessageDeleted), 1, "announced once")
		})
	}
}

// TestBadInputChangesNothing: each bad request is a ValidationError
// naming its field, the provider is not asked to change anything, and
// the store and its events stay as they were.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, stores()["memory"](t), "imap", 2, actionrun.Options{})
	id := f.msgs[0].ID
	many := make([]string, 101)
	for i := range many {
		many[i] = fmt.Sprintf("01900000-0000-7000-8000-%012d", i)
	}
	for _, tc := range []struct {
		name   string
		ids    []string
		action connector.Action
		field  string
	}{
		{"no messages", nil, connector.Action{Seen: ptr(true)}, "message_ids"},
		{"more than 100", many, connector.Action{Seen: ptr(true)}, "message_ids"},
		{"a message twice", []string{id, id}, connector.Action{Seen: ptr(true)}, "message_ids[1]"},
		{"nothing asked", []string{id}, connector.Action{}, "action"},
		{"labels on IMAP", []string{id}, connector.Action{AddLabels: []string{"Label_1"}}, "add_labels"},
		{"folder and role", []string{id}, connector.Action{MoveTo: "Archive", MoveToRole: connector.RoleTrash}, "role"},
		{"unknown role", []string{id}, connector.Action{MoveToRole: "attic"}, "role"},
		{"role no folder has", []string{id}, connector.Action{MoveToRole: connector.RoleJunk}, "role"},
		{"unknown folder", []string{id}, connector.Action{MoveTo: "Nowhere"}, "folder"},
		{"folder holding no messages", []string{id}, connector.Action{MoveTo: "Lists"}, "folder"},
	} {
		_, err := f.do(t, tc.action, tc.ids...)
		require.Error(t, err, tc.name)
		require.Contains(t, fields(t, err), tc.field, "%s: %v", tc.name, err)
	}
	require.Zero(t, f.box.modifyCalls(), "the provider was never asked")
	require.Empty(t, f.events(t))
	for _, m := range f.msgs {
		require.Equal(t, m, f.message(t, m.ID), "the stored message is unchanged")
	}
}

// TestLabels: on a provider with labels, labels are checked against the
// folder list (unknown ones named by index) and contradictory ones are
// refused; good ones are applied and announced.
func TestLabels(t *testing.T) {
	t.Parallel()
	f := newFixture(t, stores()["memory"](t), "gmail", 1, actionrun.Options{})
	f.box.support = connector.ActionSupport{Seen: true, Flagged: true, Labels: true, Move: true}
	f.box.folders = append(f.box.folders, connector.Folder{ID: "Label_7", Name: "Orders", Selectable: true})
	id := f.msgs[0].ID
	_, err := f.do(t, connector.Action{AddLabels: []string{"Label_7", "Label_404"}}, id)
	require.Equal(t, []string{"add_labels[1]"}, fields(t, err))
	_, err = f.do(t, connector.Action{AddLabels: []string{"Label_7"}, RemoveLabels: []string{"Label_7"}}, id)
	require.Contains(t, fields(t, err), "remove_labels")
	require.Zero(t, f.box.modifyCalls())

	res, err := f.do(t, connector.Action{AddLabels: []string{"Label_7"}}, id)
	require.NoError(t, err)
	require.Equal(t, actionrun.OutcomeUpdated, res.Messages[0].Outcome)
	require.Equal(t, []string{"Label_7"}, f.message(t, id).Labels)
	require.Len(t, f.events(t, syncrun.EventMessageUpdated), 1)
}

// TestNotFound: unknown messages (another tenant's, malformed ids) and
// unknown integrations are told apart, and nothing is done.
func TestNotFound(t *testing.T) {
	t.Parallel()
	st := stores()["memory"](t)
	f := newFixture(t, st, "imap", 1, actionrun.Options{})
	other := &store.Integration{TenantID: "globex", Provider: "imap", Name: "Other"}
	require.NoError(t, st.CreateIntegration(t.Context(), other, connector.Credentials{}))
	res, err := st.CommitSync(t.Context(), &store.SyncCommit{TenantID: "globex", IntegrationID: other.ID, Cursor: "c", Messages: []*connector.Message{{ProviderID: "INBOX/99"}}})
	require.NoError(t, err)
	foreign := res.Inserted[0].ID

	_, err = f.do(t, connector.Action{Seen: ptr(true)}, f.msgs[0].ID, foreign, "not-an-id")
	var nf *actionrun.MessagesNotFoundError
	require.ErrorAs(t, err, &nf)
	require.ErrorIs(t, err, actionrun.ErrMessageNotFound)
	require.Equal(t, []string{foreign, "not-an-id"}, nf.IDs)

	_, err = f.runner.Do(t.Context(), &actionrun.Request{TenantID: "acme", IntegrationID: other.ID, MessageIDs: []string{foreign}, Action: connector.Action{Seen: ptr(true)}})
	require.ErrorIs(t, err, store.ErrNotFound, "another tenant's integration")
	_, err = f.runner.Folders(t.Context(), "acme", other.ID)
	require.ErrorIs(t, err, store.ErrNotFound)
	require.Zero(t, f.box.modifyCalls())
	require.Empty(t, f.message(t, f.msgs[0].ID).Flags)
}

// TestUnsupported: a custom source (a provider not in Options.Providers)
// is refused before a connector is built; connectors without the
// capability are refused too.
func TestUnsupported(t *testing.T) {
	t.Parallel()
	st := stores()["memory"](t)
	built := 0
	b := newBox()
	f := newFixture(t, st, "custom", 1, actionrun.Options{
		Providers: []string{"imap", "gmail", "outlook"},
		Connect: func(ctx context.Context, in *store.Integration) (connector.Connector, error) {
			built++
			return b.connect(ctx, in)
		},
	})
	_, err := f.do(t, connector.Action{Seen: ptr(true)}, f.msgs[0].ID)
	var ue *actionrun.UnsupportedError
	require.ErrorAs(t, err, &ue)
	require.Equal(t, "custom", ue.Provider)
	require.ErrorIs(t, err, connector.ErrUnsupported)
	_, err = f.runner.Folders(t.Context(), "acme", f.in.ID)
	require.ErrorIs(t, err, actionrun.ErrNotSupported)
	require.Zero(t, built, "no connector built for a custom source")

	g := newFixture(t, st, "imap", 1, actionrun.Options{})
	g.box.noModify = true
	_, err = g.do(t, connector.Action{Seen: ptr(true)}, g.msgs[0].ID)
	require.ErrorIs(t, err, actionrun.ErrNotSupported)
	_, err = g.runner.Folders(t.Context(), "acme", g.in.ID)
	require.ErrorIs(t, err, actionrun.ErrNotSupported, "no FolderLister")
	require.Empty(t, g.events(t))
}

// TestAuthFailureMarksNeedsReauth: credentials the provider refuses
// mark the integration needs_reauth with its event (syncrun's policy),
// and the error is returned as the connector's.
func TestAuthFailureMarksNeedsReauth(t *testing.T) {
	t.Parallel()
	st := stores()["memory"](t)
	broker := queue.NewMemory(queue.MemoryOptions{})
	t.Cleanup(func() { _ = broker.Close() })
	b := newBox()
	syncs, err := syncrun.New(st, broker, syncrun.Options{Connect: b.connect, Logger: quiet()})
	require.NoError(t, err)
	f := newFixture(t, st, "imap", 1, actionrun.Options{Failures: syncs})
	f.box.fail = fmt.Errorf("box: %w", connector.ErrAuth)
	_, err = f.do(t, connector.Action{Seen: ptr(true)}, f.msgs[0].ID)
	require.ErrorIs(t, err, connector.ErrAuth)
	in, err := st.GetIntegration(t.Context(), "acme", f.in.ID)
	require.NoError(t, err)
	require.Equal(t, store.StatusNeedsReauth, in.Status)
	require.Len(t, f.events(t, syncrun.EventNeedsReauth), 1)
	require.Empty(t, f.events(t, syncrun.EventMessageUpdated))
}

// TestChunksAndDisabled: a batch larger than the connector's MaxBatch
// is sent in chunks; a disabled integration is refused.
func TestChunksAndDisabled(t *testing.T) {
	t.Parallel()
	f := newFixture(t, stores()["memory"](t), "imap", 5, actionrun.Options{})
	f.box.support.MaxBatch = 2
	ids := make([]string, len(f.msgs))
	for i, m := range f.msgs {
		ids[i] = m.ID
	}
	res, err := f.do(t, connector.Action{Flagged: ptr(true)}, ids...)
	require.NoError(t, err)
	require.Equal(t, 3, f.box.modifyCalls())
	for i, mr := range res.Messages {
		require.Equal(t, ids[i], mr.ID, "results in the request's order")
		require.Equal(t, actionrun.OutcomeUpdated, mr.Outcome)
	}
	require.Len(t, f.events(t, syncrun.EventMessageUpdated), 5)

	_, err = f.st.UpdateIntegration(t.Context(), "acme", f.in.ID, func(in *store.Integration) error {
		in.Status = store.StatusDisabled
		return nil
	})
	require.NoError(t, err)
	_, err = f.do(t, connector.Action{Flagged: ptr(false)}, ids[0])
	require.ErrorIs(t, err, actionrun.ErrDisabled)
	require.Equal(t, 3, f.box.modifyCalls())
}

// TestFolders lists the connector's folders.
func TestFolders(t *testing.T) {
	t.Parallel()
	f := newFixture(t, stores()["memory"](t), "imap", 0, actionrun.Options{})
	fs, err := f.runner.Folders(t.Context(), "acme", f.in.ID)
	require.NoError(t, err)
	require.Equal(t, f.box.folders, fs)
	require.NoError(t, actionrun.CheckFolders(fs, "folders", []string{"inbox", "Lists/Go"}, false), "INBOX in any case")
	err = actionrun.CheckFolders(fs, "folders", []string{"INBOX", "Nowhere", "Lists"}, false)
	require.Equal(t, []string{"folders[1]", "folders[2]"}, fields(t, err))
	require.Equal(t, []string{"label"}, fields(t, actionrun.CheckFolders(fs, "label", []string{"X"}, true)))
}

// TestNewChecksOptions: every bad option at once, each named.
func TestNewChecksOptions(t *testing.T) {
	t.Parallel()
	_, err := actionrun.New(nil, actionrun.Options{Providers: []string{""}, MaxMessages: -1})
	require.ErrorIs(t, err, actionrun.ErrInvalid)
	for _, s := range []string{"nil store", "Options.Connect", "Options.Providers", "Options.MaxMessages"} {
		require.Contains(t, err.Error(), s)
	}
	r, err := actionrun.New(stores()["memory"](t), actionrun.Options{Connect: newBox().connect})
	require.NoError(t, err)
	require.Equal(t, actionrun.DefaultMaxMessages, r.MaxMessages())
	require.False(t, errors.Is(err, actionrun.ErrInvalid))
}

// TestHooks: Hooks.Do sees each call after its integration is loaded,
// and its end the call's result or error.
func TestHooks(t *testing.T) {
	t.Parallel()
	type seen struct {
		integration string
		messages    int
		err         error
	}
	var calls []seen
	f := newFixture(t, stores()["memory"](t), "imap", 1, actionrun.Options{Hooks: actionrun.Hooks{
		Do: func(ctx context.Context, in *store.Integration, req *actionrun.Request) (context.Context, func(*actionrun.Result, error)) {
			return ctx, func(res *actionrun.Result, err error) {
				s := seen{integration: in.ID, err: err}
				if res != nil {
					s.messages = len(res.Messages)
				}
				calls = append(calls, s)
			}
		},
	}})
	_, err := f.do(t, connector.Action{Seen: ptr(true)}, f.msgs[0].ID)
	require.NoError(t, err)
	_, err = f.do(t, connector.Action{MoveTo: "Nowhere"}, f.msgs[0].ID)
	require.Error(t, err)
	require.Len(t, calls, 2)
	require.Equal(t, seen{integration: f.in.ID, messages: 1}, calls[0])
	require.Equal(t, f.in.ID, calls[1].integration)
	require.ErrorIs(t, calls[1].err, connector.ErrPermanent, "a ValidationError is a permanent error")
}

// TestRefusedMessage: a message the provider refuses on its own is
// OutcomeFailed with the provider's error; the others go on; the
// refused one is unchanged and unannounced.
func TestRefusedMessage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, stores()["memory"](t), "imap", 2, actionrun.Options{})
	f.box.refuse = map[string]error{f.msgs[0].ProviderID: fmt.Errorf("box: read-only: %w", connector.ErrPermanent)}
	res, err := f.do(t, connector.Action{Flagged: ptr(true)}, f.msgs[0].ID, f.msgs[1].ID)
	require.NoError(t, err)
	require.Equal(t, actionrun.OutcomeFailed, res.Messages[0].Outcome)
	require.ErrorIs(t, res.Messages[0].Err, connector.ErrPermanent)
	require.Equal(t, actionrun.OutcomeUpdated, res.Messages[1].Outcome)
	require.Empty(t, f.message(t, f.msgs[0].ID).Flags)
	require.Len(t, f.events(t, syncrun.EventMessageUpdated), 1)
}

// TestConnectorChecksTargets: a connector whose Modify checks the
// destination itself (ActionSupport.ChecksTargets) is not asked for its
// folders first — on Gmail that listing costs 1 + N quota units — and
// its refusal of an unknown folder or role still names the field and
// changes nothing.
func TestConnectorChecksTargets(t *testing.T) {
	t.Parallel()
	f := newFixture(t, stores()["memory"](t), "imap", 2, actionrun.Options{})
	f.box.support.ChecksTargets = true
	id := f.msgs[0].ID
	for _, tc := range []struct {
		action connector.Action
		field  string
	}{
		{connector.Action{MoveTo: "Nowhere"}, "folder"},
		{connector.Action{Seen: ptr(true), MoveToRole: connector.RoleJunk}, "role"},
	} {
		_, err := f.do(t, tc.action, id)
		require.Error(t, err)
		require.Equal(t, []string{tc.field}, fields(t, err), "%v", err)
	}
	require.Empty(t, f.events(t), "a refused action announces nothing")
	require.Equal(t, f.msgs[0], f.message(t, id), "the stored message is unchanged")

	res, err := f.do(t, connector.Action{MoveTo: "Archive"}, id)
	require.NoError(t, err)
	require.Equal(t, actionrun.OutcomeUpdated, res.Messages[0].Outcome)
	require.Equal(t, []string{"Archive"}, res.Messages[0].Message.Folders)
	require.Zero(t, f.box.listedCount(), "the folders were never listed")
}
