package imap

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/connector/connectortest"
)

// located is where a raw client of the test found a message.
type located struct {
	folder string
	uid    imap.UID
	flags  []imap.Flag
}

// find looks for the message with messageID in each of folders, with the
// admin's raw client (not the connector under test).
func (a *admin) find(messageID string, folders ...string) []located {
	a.t.Helper()
	var out []located
	for _, f := range folders {
		_, err := a.c.Select(f, &imap.SelectOptions{ReadOnly: true}).Wait()
		require.NoError(a.t, err, "select %s", f)
		data, err := a.c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: "<" + messageID + ">"}}}, nil).Wait()
		require.NoError(a.t, err)
		for _, uid := range data.AllUIDs() {
			msgs, err := a.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, Flags: true}).Collect()
			require.NoError(a.t, err)
			require.Len(a.t, msgs, 1)
			out = append(out, located{folder: f, uid: uid, flags: msgs[0].Flags})
		}
		require.NoError(a.t, a.c.Unselect().Wait())
	}
	return out
}

// uidValidity returns folder's UIDVALIDITY.
func (a *admin) uidValidity(folder string) uint32 {
	a.t.Helper()
	data, err := a.c.Status(folder, &imap.StatusOptions{UIDValidity: true}).Wait()
	require.NoError(a.t, err)
	return data.UIDValidity
}

// plant appends raw to folder and returns the message's identity as a
// sync computes it.
func (a *admin) plant(folder string, raw []byte, flags ...imap.Flag) connector.MessageRef {
	a.t.Helper()
	uid := a.appendMsg(folder, raw, flags...)
	return connector.MessageRef{
		ProviderID:  providerID(folder, headerBlock(raw), int64(len(raw))),
		ProviderRef: providerRef(folder, a.uidValidity(folder), uint32(uid)),
	}
}

func hasFlag(flags []imap.Flag, f imap.Flag) bool {
	return slices.ContainsFunc(flags, func(g imap.Flag) bool { return strings.EqualFold(string(g), string(f)) })
}

// actionsFixture is connectortest's fixture for an account the admin
// reaches: messages are planted in folder and looked for in folders.
// Every message planted is expunged, wherever it is, when the test ends.
func actionsFixture(t *testing.T, newAdm func() *admin, folder string, folders []string) connectortest.ActionsFixture {
	adm := newAdm()
	var mu sync.Mutex
	var planted []string
	t.Cleanup(func() {
		cleanup := newAdm()
		for _, id := range planted {
			for _, l := range cleanup.find(id, folders...) {
				cleanup.expunge(l.folder, l.uid)
			}
		}
	})
	return connectortest.ActionsFixture{
		Plant: func(_ context.Context, raw []byte) (connector.MessageRef, error) {
			mu.Lock()
			defer mu.Unlock()
			planted = append(planted, msgIDOf(raw))
			return adm.plant(folder, raw), nil
		},
		State: func(_ context.Context, messageID string) (connectortest.MessageState, error) {
			mu.Lock()
			defer mu.Unlock()
			var st connectortest.MessageState
			for _, l := range adm.find(messageID, folders...) {
				st.Exists = true
				st.Folders = append(st.Folders, l.folder)
				st.Seen = st.Seen || hasFlag(l.flags, imap.FlagSeen)
				st.Flagged = st.Flagged || hasFlag(l.flags, imap.FlagFlagged)
			}
			return st, nil
		},
		Remove: func(_ context.Context, messageID string) error {
			mu.Lock()
			defer mu.Unlock()
			for _, l := range adm.find(messageID, folders...) {
				adm.expunge(l.folder, l.uid)
			}
			return nil
		},
		Folder: folder,
	}
}
