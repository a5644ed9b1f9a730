package main

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// The mail of TestLoopGuard's mailbox: an Exchange out-of-office, a
// bounce, a customer, a customer whose Outlook asks for no automatic
// replies, and a customer who writes "Automatic reply" in the subject.
var loopGuardMail = []string{
	"Return-Path: <>\r\nFrom: Cy Adams <cy@customer.example>\r\nTo: support@example.com\r\nSubject: Automatic reply: Your order\r\n" +
		"Date: Mon, 2 Mar 2026 10:00:00 +0000\r\nMessage-ID: <oof-1@customer.example>\r\nAuto-Submitted: auto-generated\r\n" +
		"X-Auto-Response-Suppress: All\r\nX-MS-Exchange-Inbox-Rules-Loop: cy@customer.example\r\n\r\nI am out of the office until Monday.\r\n",
	"Return-Path: <>\r\nFrom: MAILER-DAEMON@mx.customer.example (Mail Delivery System)\r\nTo: support@example.com\r\n" +
		"Subject: Undelivered Mail Returned to Sender\r\nDate: Mon, 2 Mar 2026 10:01:00 +0000\r\nMessage-ID: <dsn-1@mx.customer.example>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\r\n" +
		"--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n" +
		"--b1\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.customer.example\r\n\r\n" +
		"Final-Recipient: rfc822; gone@customer.example\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n--b1--\r\n",
	"Return-Path: <ann@customer.example>\r\nFrom: Ann Lee <ann@customer.example>\r\nTo: support@example.com\r\nSubject: Where is my order?\r\n" +
		"Date: Mon, 2 Mar 2026 10:02:00 +0000\r\nMessage-ID: <ann-1@customer.example>\r\n\r\nIt has not arrived.\r\n",
	"Return-Path: <dee@customer.example>\r\nFrom: Dee Ray <dee@customer.example>\r\nTo: support@example.com\r\nSubject: Invoice is wrong\r\n" +
		"Date: Mon, 2 Mar 2026 10:03:00 +0000\r\nMessage-ID: <dee-1@customer.example>\r\nX-Auto-Response-Suppress: OOF, AutoReply\r\n\r\nPlease fix it.\r\n",
	"Return-Path: <eli@customer.example>\r\nFrom: Eli Moss <eli@customer.example>\r\nTo: support@example.com\r\nSubject: Automatic reply: all I ever get from you\r\n" +
		"Date: Mon, 2 Mar 2026 10:04:00 +0000\r\nMessage-ID: <eli-1@customer.example>\r\n\r\nI want a person to answer.\r\n",
}

// classifiedMessage is what the test reads of a stored message.
type classifiedMessage struct {
	ID        string `json:"id"`
	Subject   string `json:"subject"`
	Automated *struct {
		Kind    string   `json:"kind"`
		Reasons []string `json:"reasons"`
		Bounce  *struct {
			Action     string `json:"action"`
			Recipients []struct {
				Address, Action, Status string
			} `json:"recipients"`
		} `json:"bounce"`
	} `json:"automated"`
}

// TestLoopGuard: on two replicas of the production mode (one Postgres,
// one Redis), synced mail says which is automated; an automated send in
// answer to an auto-reply, a bounce, or a customer who asked for no
// automatic replies is refused with a loop-guard problem and nothing is
// queued; an automated reply to a customer goes out with Auto-Submitted:
// auto-replied; a second automated send to the same customer within
// LOOP_GUARD_WINDOW is refused by the other replica, while the first one
// repeated with its key is not.
func TestLoopGuard(t *testing.T) {
	t.Parallel()
	smtpAddr, smtpAPI := testenv.SMTP(t)
	env := productionEnv(t, baseEnv())
	env["LOOP_GUARD_WINDOW"] = "1h"
	ca, cb := newClient(t, start(t, env).base), newClient(t, start(t, env).base)

	ms := newMailServer(t)
	for _, raw := range loopGuardMail {
		_, err := ms.user.Append("INBOX", bytes.NewReader([]byte(raw)), &goimap.AppendOptions{})
		require.NoError(t, err)
	}
	tok := tokenFor(t, "tenant-loopguard")
	cfg := ms.config()
	host, port, err := net.SplitHostPort(smtpAddr)
	require.NoError(t, err)
	portN, _ := strconv.Atoi(port)
	cfg["smtp"] = map[string]any{"host": host, "port": portN, "security": "none", "auth": "none"}
	r := ca.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: map[string]any{
		"name": "Loop guard", "provider": "imap", "config": cfg, "credentials": map[string]any{"password": ms.password},
	}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var in integration
	r.decode(t, &in)
	base := "/api/v1/integrations/" + in.ID

	r = ca.do(t, call{method: http.MethodPost, path: base + "/sync", token: tok})
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	bySubject := map[string]classifiedMessage{}
	require.Eventually(t, func() bool {
		r := ca.do(t, call{method: http.MethodGet, path: base + "/messages?limit=50", token: tok})
		var page struct {
			Data []classifiedMessage `json:"data"`
		}
		r.decode(t, &page)
		for _, m := range page.Data {
			bySubject[m.Subject] = m
		}
		return len(page.Data) == len(loopGuardMail)
	}, 30*time.Second, 50*time.Millisecond)

	kinds := map[string]string{
		"Automatic reply: Your order":              "auto_reply",
		"Undelivered Mail Returned to Sender":      "bounce",
		"Where is my order?":                       "human",
		"Invoice is wrong":                         "human", // asked for no auto-reply: a request, not evidence
		"Automatic reply: all I ever get from you": "human",
	}
	for subject, kind := range kinds {
		m, ok := bySubject[subject]
		require.True(t, ok, subject)
		r := cb.do(t, call{method: http.MethodGet, path: base + "/messages/" + m.ID, token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var full classifiedMessage
		r.decode(t, &full)
		require.NotNil(t, full.Automated, subject)
		require.Equal(t, kind, full.Automated.Kind, "%s: %q", subject, full.Automated.Reasons)
		if kind == "bounce" {
			require.Equal(t, "failed", full.Automated.Bounce.Action)
			require.Len(t, full.Automated.Bounce.Recipients, 1)
			require.Equal(t, "gone@customer.example", full.Automated.Bounce.Recipients[0].Address)
			require.Equal(t, "5.1.1", full.Automated.Bounce.Recipients[0].Status)
		}
	}

	send := func(c *apiClient, key string, body map[string]any) *reply {
		t.Helper()
		return c.do(t, call{method: http.MethodPost, path: base + "/messages", token: tok, body: body, header: map[string]string{"Idempotency-Key": key}})
	}
	reply := func(subject, to string, automated bool) map[string]any {
		return map[string]any{
			"to": []any{map[string]any{"email": to}}, "subject": "", "text": "Thank you, we are on it.",
			"reply_to_message_id": bySubject[subject].ID, "automated": automated,
		}
	}
	refused := []struct {
		key   string
		body  map[string]any
		field string
	}{
		{"loop-oof", reply("Automatic reply: Your order", "cy@customer.example", true), "reply_to_message_id"},
		{"loop-dsn", reply("Undelivered Mail Returned to Sender", "mailer-daemon@mx.customer.example", true), "reply_to_message_id"},
		{"loop-suppress", reply("Invoice is wrong", "dee@customer.example", true), "reply_to_message_id"},
		{"loop-unnamed", map[string]any{"to": []any{map[string]any{"email": "cy@customer.example"}}, "subject": "Re: x", "text": "x",
			"in_reply_to": "oof-1@customer.example", "automated": true}, "in_reply_to"},
	}
	for _, c := range refused {
		p := send(ca, c.key, c.body).requireProblem(t, http.StatusUnprocessableEntity)
		require.Equal(t, "urn:ucsp:problem:loop-guard", p.Type, "%s: %+v", c.key, p)
		require.Equal(t, []string{c.field}, p.fields(), c.key)
	}

	// A person may answer anyone, and may use a refused key: nothing was
	// stored under it.
	r = send(ca, "loop-oof", reply("Automatic reply: Your order", "cy@customer.example", false))
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	require.Empty(t, r.header.Get("Idempotent-Replayed"))

	// An automated answer to a customer, even one whose subject says
	// "Automatic reply", goes out marked.
	first := reply("Automatic reply: all I ever get from you", "eli@customer.example", true)
	r = send(ca, "loop-eli-1", first)
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	var ob outbox
	r.decode(t, &ob)
	raw := mailpitMessage(t, smtpAPI, ob.MessageID)
	require.Contains(t, raw, "Auto-Submitted: auto-replied")
	require.Contains(t, raw, "In-Reply-To: <eli-1@customer.example>")

	// The other replica: the same send repeated is the first; another
	// automated send to eli within the window is refused; one to ann goes.
	r = send(cb, "loop-eli-1", first)
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	require.Equal(t, "true", r.header.Get("Idempotent-Replayed"))
	p := send(cb, "loop-eli-2", map[string]any{"to": []any{map[string]any{"email": "ELI@customer.example"}}, "subject": "Your ticket", "text": "Received.", "automated": true}).
		requireProblem(t, http.StatusUnprocessableEntity)
	require.Equal(t, "urn:ucsp:problem:loop-guard", p.Type)
	require.Equal(t, []string{"to"}, p.fields())
	require.True(t, strings.Contains(p.Detail, "eli@customer.example"), p.Detail)
	r = send(cb, "loop-ann-1", reply("Where is my order?", "ann@customer.example", true))
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
}
