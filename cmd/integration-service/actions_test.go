package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/stretchr/testify/require"
)

// TestActionsDovecot: actions through the API on Dovecot, checked with
// a raw IMAP client of the test (not the connector), in a folder of the
// test's own (alice's INBOX is never touched): mark seen sets \Seen and
// announces one message.updated; a move to the archive role puts the
// message in Archive (special use) and takes it out of the folder, under
// the same store id; a message someone else expunged is a 410 and one
// message.deleted; the sync that follows announces nothing more.
func TestActionsDovecot(t *testing.T) {
	t.Parallel()
	d := newDovecotAccount(t)
	folder := d.folder(t)
	raw := d.login(t)
	run := randomHex(t)
	ids := make([]string, 3)
	for i := range ids {
		ids[i] = fmt.Sprintf("action-%d-%s@customer.example", i, run)
		msg := fmt.Sprintf("Message-ID: <%s>\r\nFrom: Customer <customer@customer.example>\r\nTo: %s@example.com\r\nSubject: Action %d\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nHello.\r\n", ids[i], d.user, i)
		cmd := raw.Append(folder, int64(len(msg)), nil)
		_, err := cmd.Write([]byte(msg))
		require.NoError(t, err)
		require.NoError(t, cmd.Close())
		_, err = cmd.Wait()
		require.NoError(t, err)
	}
	t.Cleanup(func() { removeFromArchive(t, d, ids[1]) })

	in := start(t, baseEnv())
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-dovecot-actions")
	integ := d.createIntegration(t, c, tok, "Dovecot actions", []string{folder}, "", "")
	base := "/api/v1/integrations/" + integ.ID
	msgs := waitStored(t, c, tok, integ.ID, 3)
	byMID := map[string]message{}
	for _, m := range msgs {
		byMID[m.MessageID] = m
	}

	// The folders, with Dovecot's special-use roles.
	r := c.do(t, call{method: http.MethodGet, path: base + "/folders", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var fl struct {
		Folders []struct {
			ID   string `json:"id"`
			Role string `json:"role"`
		} `json:"folders"`
	}
	r.decode(t, &fl)
	roles := map[string]string{}
	for _, f := range fl.Folders {
		roles[f.Role] = f.ID
	}
	for _, role := range []string{"inbox", "archive", "junk", "drafts", "sent", "trash"} {
		require.NotEmpty(t, roles[role], "no folder has the role %s: %s", role, r.body)
	}

	// Seen: \Seen at the server, one message.updated.
	a := byMID[ids[0]]
	r = c.do(t, call{method: http.MethodPatch, path: base + "/messages/" + a.ID, token: tok, body: map[string]any{"seen": true}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	got, ok := findRaw(folderMessages(t, raw, folder), ids[0])
	require.True(t, ok)
	require.Contains(t, got.flags, goimap.FlagSeen)
	require.Equal(t, map[string][]string{"message.updated": {"api:" + a.ID}}, apiChangeEvents(t, c, tok, integ.ID))

	// Move to the archive role: in Archive, gone from the folder.
	b := byMID[ids[1]]
	r = c.do(t, call{method: http.MethodPost, path: base + "/messages/" + b.ID + "/move", token: tok, body: map[string]any{"role": "archive"}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var res actionResult
	r.decode(t, &res)
	require.Equal(t, "updated", res.Outcome)
	require.Equal(t, b.ID, res.Message.ID, "the message keeps its id")
	require.Equal(t, []string{roles["archive"]}, res.Message.Folders)
	_, ok = findRaw(folderMessages(t, raw, roles["archive"]), ids[1])
	require.True(t, ok, "the message is in %s", roles["archive"])
	_, ok = findRaw(folderMessages(t, raw, folder), ids[1])
	require.False(t, ok, "the message is gone from the folder")
	require.Len(t, apiChangeEvents(t, c, tok, integ.ID)["message.updated"], 2)

	// Gone at the server: 410, marked deleted, one message.deleted.
	gone := byMID[ids[2]]
	got, ok = findRaw(folderMessages(t, raw, folder), ids[2])
	require.True(t, ok)
	expungeUID(t, raw, folder, got.uid)
	p := c.do(t, call{method: http.MethodPatch, path: base + "/messages/" + gone.ID, token: tok, body: map[string]any{"flagged": true}}).requireProblem(t, http.StatusGone)
	require.Equal(t, "urn:ucsp:problem:gone", p.Type)
	require.Equal(t, []string{"api:" + gone.ID}, apiChangeEvents(t, c, tok, integ.ID)["message.deleted"])

	// The next sync sees the same state: nothing more to announce.
	want := apiChangeEvents(t, c, tok, integ.ID)
	r = c.do(t, call{method: http.MethodPost, path: base + "/sync", token: tok})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	waitSynced(t, c, tok, integ.ID, 2)
	require.Equal(t, want, apiChangeEvents(t, c, tok, integ.ID))
}

// randomHex returns 8 random hex digits.
func randomHex(t *testing.T) string {
	t.Helper()
	var b [4]byte
	_, err := rand.Read(b[:])
	require.NoError(t, err)
	return hex.EncodeToString(b[:])
}

// waitStored waits until the integration has n messages (a sync ran)
// and returns them.
func waitStored(t *testing.T, c *apiClient, tok, id string, n int) []message {
	t.Helper()
	var page messagePage
	require.Eventually(t, func() bool {
		r := c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id + "/messages?limit=500", token: tok})
		page = messagePage{}
		r.decode(t, &page)
		return r.status == http.StatusOK && len(page.Data) == n
	}, 60*time.Second, 100*time.Millisecond, "waiting for %d messages", n)
	return page.Data
}

// waitSynced waits until the integration has n sync.completed events.
func waitSynced(t *testing.T, c *apiClient, tok, id string, n int) {
	t.Helper()
	require.Eventually(t, func() bool {
		k := 0
		for _, ev := range apiEvents(t, c, tok, id) {
			if ev.Type == "sync.completed" {
				k++
			}
		}
		return k >= n
	}, 60*time.Second, 100*time.Millisecond, "waiting for %d syncs", n)
}

// apiEvents lists the integration's events (one page of 500).
func apiEvents(t *testing.T, c *apiClient, tok, id string) []event {
	t.Helper()
	r := c.do(t, call{method: http.MethodGet, path: "/api/v1/events?limit=500&integration_id=" + id, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var p struct {
		Data []event `json:"data"`
	}
	r.decode(t, &p)
	return p.Data
}

// apiChangeEvents returns the integration's message.updated and
// message.deleted events by type, each as source:message id.
func apiChangeEvents(t *testing.T, c *apiClient, tok, id string) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, ev := range apiEvents(t, c, tok, id) {
		if ev.Type != "message.updated" && ev.Type != "message.deleted" {
			continue
		}
		var d struct {
			Source  string `json:"source"`
			Message struct {
				ID string `json:"id"`
			} `json:"message"`
		}
		require.NoError(t, json.Unmarshal(ev.Data, &d))
		out[ev.Type] = append(out[ev.Type], d.Source+":"+d.Message.ID)
	}
	return out
}

// removeFromArchive expunges the test's message from the account's
// Archive, by UID only.
func removeFromArchive(t *testing.T, d *dovecotAccount, messageID string) {
	c, err := imapclient.DialInsecure(d.addr, nil)
	if err != nil {
		return
	}
	defer c.Close()
	if c.Login(d.user, d.password).Wait() != nil {
		return
	}
	for _, m := range folderMessages(t, c, "Archive") {
		if strings.EqualFold(m.id, messageID) {
			expungeUID(t, c, "Archive", m.uid)
		}
	}
}
