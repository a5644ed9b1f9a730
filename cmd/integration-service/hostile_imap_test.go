package main

import (
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/imapscript"
)

// A tenant names the IMAP server its integration reads, so the server
// may be hostile. These tests run the binary against imapscript, a
// server whose FETCH answers announce literals far larger than what
// they send.

const (
	hostileUser     = "victim@example.com"
	hostilePassword = "hostile-imap-pw-81d2"
)

// hostileMessage is a small well-formed message.
func hostileMessage(subject, body string) []byte {
	return fmt.Appendf(nil, "Message-ID: <%s@hostile.example>\r\nFrom: Someone <someone@hostile.example>\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\n%s\r\n",
		strings.ReplaceAll(strings.ToLower(subject), " ", "-"), hostileUser, subject, body)
}

// hostileIntegration is a POST /api/v1/integrations body for srv.
func hostileIntegration(name string, srv *imapscript.Server) map[string]any {
	return map[string]any{
		"name": name, "provider": "imap",
		"config": map[string]any{
			"email": hostileUser,
			"imap":  map[string]any{"host": srv.Host(), "port": srv.Port(), "security": "none"},
		},
		"credentials": map[string]any{"password": hostilePassword},
	}
}

// imapTestMemory is what /proc/<pid>/status says of a process's
// memory, in bytes: its resident set (VmRSS) and its private writable
// mappings (VmData), which is where the Go heap is committed. A buffer
// the Go runtime hands out fresh from the kernel is committed (VmData)
// at once but resident (VmRSS) only once its pages are written to, so a
// reservation for bytes that never arrive shows in VmData.
func imapTestMemory(t *testing.T, pid int) (rss, data int64) {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for line := range strings.Lines(string(status)) {
		f := strings.Fields(line)
		if len(f) != 3 || f[2] != "kB" {
			continue
		}
		kb, err := strconv.ParseInt(f[1], 10, 64)
		require.NoError(t, err)
		switch f[0] {
		case "VmRSS:":
			rss = kb << 10
		case "VmData:":
			data = kb << 10
		}
	}
	require.NotZero(t, rss, "VmRSS in /proc/%d/status", pid)
	require.NotZero(t, data, "VmData in /proc/%d/status", pid)
	return rss, data
}

// TestHostileIMAPAnnouncedLiteralsReserveNoMemory: a server that
// announces a 1 GiB literal and then sends nothing more costs the
// worker what it sent, not what it announced. Before the fix a sync
// reserved 256 MiB for each such message as soon as the announcement
// arrived: four integrations, over 1 GB.
func TestHostileIMAPAnnouncedLiteralsReserveNoMemory(t *testing.T) {
	t.Parallel()
	const integrations = 4
	srv := imapscript.New(t, imapscript.Options{
		Username: hostileUser, Password: hostilePassword,
		Messages: []imapscript.Message{{Raw: hostileMessage("Huge", "The rest never comes."), Announce: 1 << 30, Rest: imapscript.Hold}},
	})
	in := start(t, baseEnv())
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-hostile-imap")
	pid := in.cmd.Process.Pid
	rss0, data0 := imapTestMemory(t, pid)

	for i := range integrations {
		r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: hostileIntegration(fmt.Sprintf("Hostile %d", i), srv)})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	}
	// Each integration's first sync is now waiting in the middle of the
	// literal, having read its first bytes.
	require.Eventually(t, func() bool { return srv.Held() == integrations }, 60*time.Second, 20*time.Millisecond,
		"every integration's sync reached the held literal (%d of %d)", srv.Held(), integrations)
	// A reservation is made when the announcement is read, just before
	// the bytes that follow it: watch for a while to let it show.
	var rss, data int64
	for range 20 {
		r, d := imapTestMemory(t, pid)
		rss, data = max(rss, r), max(data, d)
		time.Sleep(100 * time.Millisecond)
	}
	require.Equal(t, integrations, srv.Held(), "the syncs are still waiting for the literals")
	t.Logf("while %d literals announced as 1 GiB were held: VmRSS %d -> %d MiB, VmData %d -> %d MiB",
		integrations, rss0>>20, rss>>20, data0>>20, data>>20)
	// Reserving what was announced costs 256 MiB a message (1 GiB for
	// the four); what arrived is a few hundred bytes each.
	require.Less(t, data-data0, int64(128<<20), "the worker committed memory for what the literals announced, not for what arrived")
	require.Less(t, rss-rss0, int64(64<<20), "the worker's resident memory grew with what the literals announced")
}

// TestHostileIMAPOversizeMessageIsStoredAsAStub: a message over
// IMAP_MAX_MESSAGE_BYTES is stored once as a stub (its header, its
// size, a problem saying why), its body read and dropped, and the next
// message is stored whole from the same sync; in both modes, as the
// stores differ.
func TestHostileIMAPOversizeMessageIsStoredAsAStub(t *testing.T) {
	t.Parallel()
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		oversizeStub(t, baseEnv())
	})
	t.Run("production", func(t *testing.T) {
		t.Parallel()
		oversizeStub(t, productionEnv(t, baseEnv()))
	})
}

func oversizeStub(t *testing.T, env map[string]string) {
	const limit = 1 << 20
	const bigSize = 3 << 20
	big := hostileMessage("Too big", strings.Repeat("A line of a very long message body.\r\n", 10))
	srv := imapscript.New(t, imapscript.Options{
		Username: hostileUser, Password: hostilePassword,
		Messages: []imapscript.Message{
			{Raw: big, Announce: bigSize, Rest: imapscript.Fill},
			{Raw: hostileMessage("After it", "Synced whole.")},
		},
	})
	env["IMAP_MAX_MESSAGE_BYTES"] = strconv.Itoa(limit)
	in := start(t, env)
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-hostile-imap")

	r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: hostileIntegration("Oversize", srv)})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var created integration
	r.decode(t, &created)
	path := "/api/v1/integrations/" + created.ID

	type stored struct {
		ID         string   `json:"id"`
		ProviderID string   `json:"provider_id"`
		MessageID  string   `json:"message_id"`
		Subject    string   `json:"subject"`
		Text       string   `json:"text"`
		Size       int64    `json:"size"`
		Problems   []string `json:"problems"`
	}
	list := func() []stored {
		r := c.do(t, call{method: http.MethodGet, path: path + "/messages?limit=100", token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var page struct {
			Data []stored `json:"data"`
		}
		r.decode(t, &page)
		return page.Data
	}
	var msgs []stored
	require.Eventually(t, func() bool { msgs = list(); return len(msgs) == 2 }, 60*time.Second, 50*time.Millisecond, "both messages stored")
	bySubject := map[string]stored{}
	for _, m := range msgs {
		bySubject[m.Subject] = m
	}

	stub, ok := bySubject["Too big"]
	require.True(t, ok, "the oversize message is stored with its header: %+v", msgs)
	require.Equal(t, "too-big@hostile.example", stub.MessageID)
	require.Equal(t, int64(bigSize), stub.Size, "the stub keeps the message's size")
	require.NotEmpty(t, stub.Problems, "the stub says why its body is missing")
	require.Contains(t, strings.Join(stub.Problems, "; "), "larger than")
	r = c.do(t, call{method: http.MethodGet, path: path + "/messages/" + stub.ID, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var full stored
	r.decode(t, &full)
	require.Empty(t, full.Text, "nothing of the oversize body is kept")

	next, ok := bySubject["After it"]
	require.True(t, ok, "the message after the oversize one is stored: %+v", msgs)
	require.Empty(t, next.Problems)
	r = c.do(t, call{method: http.MethodGet, path: path + "/messages/" + next.ID, token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.decode(t, &full)
	require.Equal(t, "Synced whole.", strings.TrimSpace(full.Text))

	// The server renumbers the folder (a new UIDVALIDITY) and the next
	// sync reads every message again: the stub stays the one stored,
	// same id, same content, nothing added.
	lastSync := func() string {
		r := c.do(t, call{method: http.MethodGet, path: path, token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var v struct {
			LastSyncAt *string `json:"last_sync_at"`
		}
		r.decode(t, &v)
		if v.LastSyncAt == nil {
			return ""
		}
		return *v.LastSyncAt
	}
	synced := lastSync()
	require.NotEmpty(t, synced)
	srv.SetUIDValidity(2)
	r = c.do(t, call{method: http.MethodPost, path: path + "/sync", token: tok})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	require.Eventually(t, func() bool { return lastSync() != synced }, 60*time.Second, 50*time.Millisecond, "the resync committed")
	again := list()
	require.Len(t, again, 2, "a resync stores nothing twice")
	for _, m := range again {
		require.Equal(t, bySubject[m.Subject], m, "a resync leaves the stored messages as they were")
	}
	logs := in.settledLogs()
	require.NotContains(t, logs, hostilePassword)
	require.NotContains(t, logs, "panic")
	require.NotContains(t, logs, "DATA RACE")
}
