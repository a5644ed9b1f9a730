package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"
)

// changeEvent is the data of a message.updated or message.deleted event.
type changeEvent struct {
	IntegrationID string `json:"integration_id"`
	Source        string `json:"source"`
	Message       struct {
		ID         string   `json:"id"`
		ProviderID string   `json:"provider_id"`
		Flags      []string `json:"flags"`
		Folders    []string `json:"folders"`
	} `json:"message"`
	Changes struct {
		Flags *struct {
			Added   []string `json:"added"`
			Removed []string `json:"removed"`
		} `json:"flags"`
		Folders *struct {
			Added   []string `json:"added"`
			Removed []string `json:"removed"`
		} `json:"folders"`
		PreviousProviderID string `json:"previous_provider_id"`
	} `json:"changes"`
}

// TestSyncAnnouncesForeignChanges: an IMAP integration watching two
// Dovecot folders of the test's own (embedded mode). A message moved
// between them by another IMAP session keeps its id and is one
// message.updated (its folders, source sync), never a message.deleted
// and a message.received; \Flagged set by that session is one
// message.updated more; a sync with nothing new announces nothing.
func TestSyncAnnouncesForeignChanges(t *testing.T) {
	t.Parallel()
	dc := newDovecotAccount(t)
	a, b := dc.folder(t), dc.folder(t)
	in := start(t, baseEnv())
	s := &suite{c: newClient(t, in.base), in: in}
	tok := tokenFor(t, "tenant-changes")
	created := dc.createIntegration(t, s.c, tok, "Support (changes)", []string{a, b}, "", "")

	subject := fmt.Sprintf("Moved around %d", time.Now().UnixNano())
	appendTo(t, dc, a, subject)
	s.sync(t, tok, created.ID)
	msgs := s.waitMessages(t, tok, created.ID, 1)
	stored := msgs[0]
	require.Equal(t, subject, stored.Subject)

	typed := func(typ string) []changeEvent {
		var out []changeEvent
		for _, ev := range s.events(t, tok, "integration_id="+created.ID) {
			if ev.Type == typ {
				var d changeEvent
				require.NoError(t, json.Unmarshal(ev.Data, &d))
				out = append(out, d)
			}
		}
		return out
	}
	received := len(typed("message.received"))
	require.LessOrEqual(t, received, 1)

	// Another client moves it from a to b.
	c := dc.login(t)
	_, err := c.Select(a, nil).Wait()
	require.NoError(t, err)
	found, err := c.UIDSearch(&goimap.SearchCriteria{Header: []goimap.SearchCriteriaHeaderField{{Key: "Subject", Value: subject}}}, nil).Wait()
	require.NoError(t, err)
	require.Len(t, found.AllUIDs(), 1)
	_, err = c.Move(goimap.UIDSetNum(found.AllUIDs()...), b).Wait()
	require.NoError(t, err)
	require.NoError(t, c.Unselect().Wait())

	s.sync(t, tok, created.ID)
	require.Eventually(t, func() bool { return len(typed("message.updated")) == 1 }, 30*time.Second, 50*time.Millisecond)
	moved := typed("message.updated")[0]
	require.Equal(t, stored.ID, moved.Message.ID, "a move keeps the message's id")
	require.Equal(t, "sync", moved.Source)
	require.Equal(t, []string{b}, moved.Message.Folders)
	require.NotNil(t, moved.Changes.Folders)
	require.Equal(t, []string{b}, moved.Changes.Folders.Added)
	require.Equal(t, []string{a}, moved.Changes.Folders.Removed)
	require.Equal(t, stored.ProviderID, moved.Changes.PreviousProviderID)
	require.Empty(t, typed("message.deleted"))
	require.Len(t, typed("message.received"), received)
	after := s.waitMessages(t, tok, created.ID, 1)
	require.Equal(t, stored.ID, after[0].ID)

	// Another client flags it where it is now.
	_, err = c.Select(b, nil).Wait()
	require.NoError(t, err)
	found, err = c.UIDSearch(&goimap.SearchCriteria{Header: []goimap.SearchCriteriaHeaderField{{Key: "Subject", Value: subject}}}, nil).Wait()
	require.NoError(t, err)
	require.NoError(t, c.Store(goimap.UIDSetNum(found.AllUIDs()...), &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Silent: true, Flags: []goimap.Flag{goimap.FlagFlagged}}, nil).Close())
	require.NoError(t, c.Unselect().Wait())

	s.sync(t, tok, created.ID)
	require.Eventually(t, func() bool { return len(typed("message.updated")) == 2 }, 30*time.Second, 50*time.Millisecond)
	flagged := typed("message.updated")[1]
	require.Equal(t, stored.ID, flagged.Message.ID)
	require.NotNil(t, flagged.Changes.Flags)
	require.Equal(t, []string{`\Flagged`}, flagged.Changes.Flags.Added)
	require.Nil(t, flagged.Changes.Folders)

	// Nothing new: nothing more.
	completed := func() int {
		n := 0
		for _, ev := range s.events(t, tok, "integration_id="+created.ID) {
			if ev.Type == "sync.completed" {
				n++
			}
		}
		return n
	}
	before := completed()
	s.sync(t, tok, created.ID)
	require.Eventually(t, func() bool { return completed() > before }, 30*time.Second, 50*time.Millisecond)
	require.Len(t, typed("message.updated"), 2)
	require.Empty(t, typed("message.deleted"))
	r := s.c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + created.ID + "/messages/" + stored.ID, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
}
