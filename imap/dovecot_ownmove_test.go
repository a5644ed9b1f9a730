package imap

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/syncrun"
	"github.com/ucsp/integration/store"
)

// TestDovecotOwnMoveIsOneUpdate: a move through Modify (UID MOVE, the new
// identity from COPYUID) that the store follows with
// syncrun.ApplyActionResult is one message.updated from the API, and the
// next sync finds the message known where it went: nothing more. When a
// sync gets there before the store follows the action, the sync
// announces the move and the action's result announces nothing. Either
// way the message keeps its id.
func TestDovecotOwnMoveIsOneUpdate(t *testing.T) {
	t.Parallel()
	for _, syncFirst := range []bool{false, true} {
		name := map[bool]string{false: "store follows first", true: "sync first"}[syncFirst]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newChangeHarness(t, func(a, b string) []string { return []string{a, b} })
			mid := "own-" + h.a + "@example.test"
			h.adm.appendMsg(h.a, testMessage("own-"+h.a))
			h.sync()
			stored := h.byMessageID(mid)

			c := newConnector(t, h.cfg)
			res, err := c.Modify(t.Context(), []connector.MessageRef{{ProviderID: stored.ProviderID, ProviderRef: stored.ProviderRef}},
				connector.Action{MoveTo: h.b})
			require.NoError(t, err)
			require.Len(t, res, 1)
			require.NoError(t, res[0].Err)

			var fromSync map[string][]*store.Event
			if syncFirst {
				fromSync = h.sync()
			}
			events, err := syncrun.ApplyActionResult(t.Context(), h.st, stored, res[0])
			require.NoError(t, err)
			if !syncFirst {
				fromSync = h.sync()
			}

			require.Empty(t, fromSync[syncrun.EventMessageReceived])
			require.Empty(t, fromSync[syncrun.EventMessageDeleted])
			var updates []*store.Event
			updates = append(updates, events...)
			updates = append(updates, fromSync[syncrun.EventMessageUpdated]...)
			require.Len(t, updates, 1, "one event for the move")
			d := updatedData(t, updates[0])
			require.Equal(t, stored.ID, d.Message.ID)
			require.Equal(t, &syncrun.SetChange{Added: []string{h.b}, Removed: []string{h.a}}, d.Changes.Folders)
			want := map[bool]syncrun.Source{false: syncrun.SourceAPI, true: syncrun.SourceSync}[syncFirst]
			require.Equal(t, want, d.Source)

			after := h.byMessageID(mid)
			require.Equal(t, stored.ID, after.ID)
			require.Equal(t, res[0].ProviderID, after.ProviderID)
			require.Equal(t, []string{h.b}, after.Folders)
			require.Empty(t, h.sync())
		})
	}
}
