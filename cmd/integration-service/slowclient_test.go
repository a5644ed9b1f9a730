package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// ingressSource creates a custom source for tok's tenant through the API
// and returns its id and secret.
func ingressSource(t *testing.T, c *apiClient, tok string) (string, string) {
	t.Helper()
	r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: map[string]any{"name": "Contact form", "provider": "custom"}})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var in integration
	r.decode(t, &in)
	require.NotEmpty(t, in.WebhookSecret)
	return in.ID, in.WebhookSecret
}

// ingressSignature returns the Standard Webhooks headers of body, signed
// with secret as delivery id.
func ingressSignature(t testing.TB, secret, id string, body []byte) map[string]string {
	t.Helper()
	sec, err := webhook.ParseSecret(secret)
	require.NoError(t, err)
	signer, err := webhook.NewSigner(sec)
	require.NoError(t, err)
	h, err := signer.Sign(id, time.Now(), body)
	require.NoError(t, err)
	out := map[string]string{}
	for k := range h {
		out[k] = h.Get(k)
	}
	return out
}

// slowRequest opens a connection to base, sends the head of a request
// that announces a body of length bytes, then first of that body, and
// returns the connection.
func slowRequest(t *testing.T, base, method, path string, header map[string]string, length int, first string) net.Conn {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	conn, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n", method, path, u.Host, length)
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n" + first)
	_, err = io.WriteString(conn, b.String())
	require.NoError(t, err)
	return conn
}

// requireCutAtDeadline reads conn's answer: 408 problem+json, then the
// connection closed. It fails if nothing comes within bound (today's
// server waits for the body as long as the client likes).
func requireCutAtDeadline(t *testing.T, conn net.Conn, sent time.Time, deadline, bound time.Duration) {
	t.Helper()
	require.NoError(t, conn.SetReadDeadline(sent.Add(bound)))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err, "no answer within %s of the headers: the slow body holds the connection", bound)
	took := time.Since(sent)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Equal(t, http.StatusRequestTimeout, resp.StatusCode, "%s", body)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	var p problemBody
	require.NoError(t, json.Unmarshal(body, &p))
	require.Equal(t, http.StatusRequestTimeout, p.Status)
	require.GreaterOrEqual(t, took, deadline-100*time.Millisecond, "cut at its deadline, not before")
	// Closed: an orderly EOF, or a reset when the client was still
	// sending (the server closes with its bytes unread).
	_, err = br.ReadByte()
	require.True(t, errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET), "the connection is closed after the answer: %v", err)
}

// TestSlowBodyClosedAtDeadline: with BODY_READ_TIMEOUT=1s, a request
// whose headers arrived but whose body stalls, or trickles in a byte at a
// time, is answered 408 and its connection closed about a second after
// its headers: on the webhook routes (before a signature can be
// checked) and on the API. Before, the server waited for such a body as
// long as the client cared to hold the connection (400 of them held
// 470 MB for 150 s).
func TestSlowBodyClosedAtDeadline(t *testing.T) {
	t.Parallel()
	const deadline = time.Second
	env := baseEnv()
	env["BODY_READ_TIMEOUT"] = "1s"
	in := start(t, env)
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-slow")
	id, secret := ingressSource(t, c, tok)
	body := []byte(`{"from":{"email":"ann@example.org"},"subject":"Hello","text":"a body that takes its time"}`)
	signed := ingressSignature(t, secret, "msg_slow", body)
	signed["Content-Type"] = "application/json"
	api := map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "application/json"}
	graph := map[string]string{"Content-Type": "application/json"}

	cases := []struct {
		name, path string
		header     map[string]string
		trickle    bool
	}{
		{"custom webhook, stalled", "/webhooks/custom/" + id, signed, false},
		{"custom webhook, trickled", "/webhooks/custom/" + id, signed, true},
		{"graph notifications, stalled", "/webhooks/microsoft", graph, false},
		{"api, stalled", "/api/v1/integrations", api, false},
		{"api, trickled", "/api/v1/integrations", api, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			sent := time.Now()
			conn := slowRequest(t, in.base, http.MethodPost, tc.path, tc.header, len(body), string(body[:10]))
			if tc.trickle {
				go func() {
					for _, b := range body[10:] {
						time.Sleep(200 * time.Millisecond)
						if _, err := conn.Write([]byte{b}); err != nil {
							return // cut
						}
					}
				}()
			}
			requireCutAtDeadline(t, conn, sent, deadline, 20*time.Second)
		})
	}
}

// TestSlowBodyAtMinRateGoesThrough: a body that keeps arriving at
// BODY_MIN_RATE or faster is read whole, past BODY_READ_TIMEOUT.
func TestSlowBodyAtMinRateGoesThrough(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	env["BODY_READ_TIMEOUT"] = "1s"
	env["BODY_MIN_RATE"] = "1000"
	in := start(t, env)
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-slow-ok")
	id, secret := ingressSource(t, c, tok)
	// 4,000 bytes in 200-byte pieces every 100 ms: 2 s in all, at
	// 2,000 bytes a second, twice the minimum.
	head, tail := `{"from":{"email":"ann@example.org"},"subject":"Hello","text":"`, `"}`
	body := []byte(head + strings.Repeat("x", 4000-len(head)-len(tail)) + tail)
	h := ingressSignature(t, secret, "msg_steady", body)
	h["Content-Type"] = "application/json"
	conn := slowRequest(t, in.base, http.MethodPost, "/webhooks/custom/"+id, h, len(body), "")
	for i := 0; i < len(body); i += 200 {
		_, err := conn.Write(body[i : i+200])
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond)
	}
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(20*time.Second)))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	out, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", out)
}
