package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// mailpitMessage waits until the SMTP sink (Mailpit's API at api) holds
// exactly one message with Message-ID id and returns its raw text.
func mailpitMessage(t *testing.T, api, id string) string {
	t.Helper()
	get := func(path string, q url.Values) []byte {
		u := api + path
		if q != nil {
			u += "?" + q.Encode()
		}
		resp, err := http.Get(u)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", u, b)
		return b
	}
	var found []struct {
		ID string `json:"ID"`
	}
	require.Eventually(t, func() bool {
		var res struct {
			Messages []struct {
				ID string `json:"ID"`
			} `json:"messages"`
		}
		require.NoError(t, json.Unmarshal(get("/api/v1/search", url.Values{"query": {fmt.Sprintf("message-id:%q", id)}}), &res))
		found = res.Messages
		return len(found) > 0
	}, 20*time.Second, 50*time.Millisecond, "the SMTP server has no message %s", id)
	require.Len(t, found, 1, "Message-ID %s received more than once", id)
	return string(get("/api/v1/message/"+url.PathEscape(found[0].ID)+"/raw", nil))
}

// appendTo appends a message with subject to folder.
func appendTo(t *testing.T, d *dovecotAccount, folder, subject string) {
	t.Helper()
	c := d.login(t)
	raw := fmt.Sprintf("Message-ID: <%d.e2e@customer.example>\r\nFrom: Customer <customer@customer.example>\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n\r\nHello.\r\n",
		time.Now().UnixNano(), d.user, subject, time.Now().Format(time.RFC1123Z))
	cmd := c.Append(folder, int64(len(raw)), nil)
	_, err := cmd.Write([]byte(raw))
	require.NoError(t, err)
	require.NoError(t, cmd.Close())
	_, err = cmd.Wait()
	require.NoError(t, err)
}

// TestPipelineDovecot: an IMAP integration created through the API
// against a Dovecot folder holding the 10,000-message set (production
// mode: Postgres, Redis): every message stored once and announced once
// to the events receiver, every delivery's signature valid; then a
// message appended to the folder (the catch-up sweep out of the way)
// becomes exactly one event within 10 s, through IDLE; a reply sent
// through the API reaches the SMTP server once, threaded (In-Reply-To,
// References) under the outbox's Message-ID. It logs the time from the
// POST to the last message stored, and the server's memory.
func TestPipelineDovecot(t *testing.T) {
	t.Parallel()
	dc := newDovecotAccount(t)
	folder, count := dc.inboxCopy(t)
	sent := dc.folder(t)
	smtpAddr, smtpAPI := testenv.SMTP(t)

	rc := newEventReceiver(t)
	env := productionEnv(t, rc.env(baseEnv()))
	env["IMAP_WATCH"] = "true"
	env["DATABASE_MAX_CONNS"] = "8"
	in := start(t, env, "all")
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-e2e")

	started := time.Now()
	// The folder's messages are history: announced here by the opt-in,
	// to test delivery at scale (TestBackfillDovecot: the default).
	created := dc.createIntegrationBackfill(t, c, tok, "Support (Dovecot)", []string{folder}, sent, smtpAddr, map[string]any{"announce_history": true})

	db, err := pgx.Connect(context.Background(), env["DATABASE_URL"])
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	stored := func() (int, time.Time) {
		var n int
		var last *time.Time
		require.NoError(t, db.QueryRow(context.Background(),
			`SELECT count(*), max(created_at) FROM messages WHERE integration_id = $1`, created.ID).Scan(&n, &last))
		if last == nil {
			return n, time.Time{}
		}
		return n, *last
	}
	require.Eventually(t, func() bool { n, _ := stored(); return n >= int(count) }, 2*time.Minute, 20*time.Millisecond)
	n, last := stored()
	require.Equal(t, int(count), n, "every message stored once")
	t.Logf("%d messages stored %s after the POST", n, last.Sub(started).Round(time.Millisecond))
	if status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", in.cmd.Process.Pid)); err == nil {
		for line := range strings.Lines(string(status)) {
			if strings.HasPrefix(line, "VmRSS:") || strings.HasPrefix(line, "VmHWM:") {
				t.Log("server " + strings.Join(strings.Fields(line), " "))
			}
		}
	}

	events := func() int {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		delivered := 0
		for id := range rc.subjects {
			if rc.successes[id] > 0 {
				delivered++
			}
		}
		return delivered
	}
	require.Eventually(t, func() bool { return events() >= int(count) }, 2*time.Minute, 50*time.Millisecond)
	require.Equal(t, int(count), events(), "one message.received per message")
	t.Logf("%d events delivered %s after the POST", count, time.Since(started).Round(time.Millisecond))
	rc.mu.Lock()
	require.Zero(t, rc.unverified, "every delivery's signature is valid")
	rc.mu.Unlock()

	appendTo(t, dc, folder, "Appended during the test")
	require.Eventually(t, func() bool { return len(rc.received("Appended during the test")) == 1 }, 10*time.Second, 20*time.Millisecond,
		"the appended message becomes an event")
	time.Sleep(time.Second)
	require.Len(t, rc.received("Appended during the test"), 1, "exactly one event")
	require.Equal(t, int(count)+1, events())

	// A reply through the API: sent once, threaded, under the outbox's
	// Message-ID, and filed in the Sent folder.
	var page messagePage
	r := c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + created.ID + "/messages?limit=1", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	r.decode(t, &page)
	require.Len(t, page.Data, 1)
	orig := page.Data[0]
	require.NotEmpty(t, orig.MessageID)
	r = c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + created.ID + "/messages", token: tok,
		header: map[string]string{"Idempotency-Key": "e2e-reply"},
		body: map[string]any{
			"to":                  []any{map[string]any{"email": "customer@customer.example"}},
			"subject":             "",
			"text":                "We are on it.",
			"reply_to_message_id": orig.ID,
		}})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	var ob outbox
	r.decode(t, &ob)
	raw := mailpitMessage(t, smtpAPI, ob.MessageID)
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	require.NoError(t, err)
	require.Equal(t, "<"+ob.MessageID+">", msg.Header.Get("Message-Id"))
	require.Equal(t, "<"+orig.MessageID+">", msg.Header.Get("In-Reply-To"))
	require.Contains(t, msg.Header.Get("References"), "<"+orig.MessageID+">")
	require.Equal(t, "Re: "+strings.TrimPrefix(orig.Subject, "Re: "), msg.Header.Get("Subject"))
	require.Eventually(t, func() bool {
		r := c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + created.ID + "/outbox/" + ob.ID, token: tok})
		var got outbox
		r.decode(t, &got)
		return got.Status == "sent"
	}, 20*time.Second, 50*time.Millisecond, "the outbox entry is marked sent")
}
