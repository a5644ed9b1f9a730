package main

import (
	"bufio"
	"maps"
	"net"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Issue 17, items 2, 8 and 10: what a tenant can make the service do
// with the mail servers it names.

// lineServer is a TCP listener on 127.0.0.1 that writes greeting on
// every connection it accepts and records what the client sends, line
// by line, until the client closes or the test ends.
type lineServer struct {
	port int

	mu    sync.Mutex
	conns int
	lines []string
}

func newLineServer(t *testing.T, greeting string) *lineServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	s := &lineServer{port: ln.Addr().(*net.TCPAddr).Port}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				go func() { <-done; _ = c.Close() }()
				_, _ = c.Write([]byte(greeting))
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					s.mu.Lock()
					s.lines = append(s.lines, sc.Text())
					s.mu.Unlock()
				}
			})
		}
	}()
	return s
}

// seen returns how many connections the server accepted and the lines
// it read.
func (s *lineServer) seen() (int, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns, append([]string(nil), s.lines...)
}

// mailGuardCreate creates an integration and returns its id.
func mailGuardCreate(t *testing.T, c *apiClient, tok string, body map[string]any) string {
	t.Helper()
	r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: body})
	require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	var in integration
	r.decode(t, &in)
	return in.ID
}

// TestUpdateCannotRetargetStoredPassword: a PUT that changes where an
// IMAP or SMTP password goes (host, port, security, login) without
// sending the credentials again is a 422 naming credentials, the stored
// config is unchanged, and a connectivity test afterwards goes to the
// original server, not to the one the PUT named.
func TestUpdateCannotRetargetStoredPassword(t *testing.T) {
	t.Parallel()
	in := start(t, baseEnv())
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-retarget")
	mail := newMailServer(t)
	attacker := newLineServer(t, "* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n")

	body := mail.createBody("Support")
	body["config"].(map[string]any)["smtp"] = map[string]any{"host": mail.host, "port": 2525, "security": "none"}
	id := mailGuardCreate(t, c, tok, body)
	path := "/api/v1/integrations/" + id
	var before integration
	c.do(t, call{method: http.MethodGet, path: path, token: tok}).decode(t, &before)

	imapCfg := func(change map[string]any) map[string]any {
		cfg := maps.Clone(mail.config())
		srv := maps.Clone(cfg["imap"].(map[string]any))
		maps.Copy(srv, change)
		cfg["imap"] = srv
		cfg["smtp"] = map[string]any{"host": mail.host, "port": 2525, "security": "none"}
		return cfg
	}
	smtpCfg := func(change map[string]any) map[string]any {
		cfg := maps.Clone(mail.config())
		srv := map[string]any{"host": mail.host, "port": 2525, "security": "none"}
		maps.Copy(srv, change)
		cfg["smtp"] = srv
		return cfg
	}
	for name, cfg := range map[string]map[string]any{
		"imap host":     imapCfg(map[string]any{"host": "localhost", "port": attacker.port}),
		"imap port":     imapCfg(map[string]any{"port": attacker.port}),
		"imap security": imapCfg(map[string]any{"security": "starttls"}),
		"imap username": imapCfg(map[string]any{"username": "someone-else"}),
		"smtp host":     smtpCfg(map[string]any{"host": "localhost", "port": attacker.port}),
		"smtp port":     smtpCfg(map[string]any{"port": attacker.port}),
		"smtp username": smtpCfg(map[string]any{"username": "someone-else"}),
	} {
		r := c.do(t, call{method: http.MethodPut, path: path, token: tok, body: map[string]any{"name": "Support", "config": cfg}})
		p := r.requireProblem(t, http.StatusUnprocessableEntity)
		require.Contains(t, p.fields(), "credentials", "%s: %s", name, r.body)
	}

	var after integration
	c.do(t, call{method: http.MethodGet, path: path, token: tok}).decode(t, &after)
	require.Equal(t, before.Config, after.Config, "the stored config is unchanged")
	require.Equal(t, before.UpdatedAt, after.UpdatedAt)

	r := c.do(t, call{method: http.MethodPost, path: path + "/test", token: tok})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	var res struct {
		OK bool `json:"ok"`
	}
	r.decode(t, &res)
	require.True(t, res.OK, "the test goes to the original server: %s", r.body)
	conns, lines := attacker.seen()
	require.Zero(t, conns, "nothing connected to the server the PUT named")
	require.Empty(t, lines)

	// Changing what does not decide where the password goes needs no
	// credentials; changing where it goes does, with them.
	keep := mail.config()
	keep["smtp"] = map[string]any{"host": mail.host, "port": 2525, "security": "none"}
	keep["folders"] = []string{"INBOX"}
	r = c.do(t, call{method: http.MethodPut, path: path, token: tok, body: map[string]any{"name": "Renamed", "config": keep}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
	moved := imapCfg(map[string]any{"port": attacker.port})
	r = c.do(t, call{method: http.MethodPut, path: path, token: tok, body: map[string]any{"name": "Moved", "config": moved, "credentials": map[string]any{"password": "a-new-password"}}})
	require.Equal(t, http.StatusOK, r.status, "%s", r.body)
}

// TestConnectivityTestIsNotAPortScanner: POST .../test against
// something that is not an IMAP server (an SSH banner) classifies the
// failure and repeats none of what the server sent, in the answer and
// in the health it records; other failures are classified too.
func TestConnectivityTestIsNotAPortScanner(t *testing.T) {
	t.Parallel()
	in := start(t, baseEnv())
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-scanner")
	ssh := newLineServer(t, "SSH-2.0-OpenSSH_9.6\r\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())

	create := func(name string, port int, security string) string {
		return mailGuardCreate(t, c, tok, map[string]any{
			"name": name, "provider": "imap", "credentials": map[string]any{"password": "pw"},
			"config": map[string]any{"email": "a@example.com", "imap": map[string]any{"host": "127.0.0.1", "port": port, "security": security}},
		})
	}
	for _, tc := range []struct {
		name, security, result string
		port                   int
	}{
		{"ssh in plaintext", "none", "not_imap", ssh.port},
		{"ssh with starttls", "starttls", "not_imap", ssh.port},
		{"ssh with tls", "tls", "tls", ssh.port},
		{"closed port", "none", "connect_refused", closedPort},
	} {
		id := create(tc.name, tc.port, tc.security)
		r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + id + "/test", token: tok})
		require.Equal(t, http.StatusOK, r.status, "%s", r.body)
		var res struct {
			OK     bool   `json:"ok"`
			Result string `json:"result"`
		}
		r.decode(t, &res)
		require.False(t, res.OK, tc.name)
		require.Equal(t, tc.result, res.Result, "%s: %s", tc.name, r.body)
		for _, banner := range []string{"SSH", "OpenSSH", "9.6"} {
			require.NotContains(t, string(r.body), banner, "%s: the answer repeats the server's banner", tc.name)
		}
		// Nor does the integration show it, from the test or from the
		// first sync that ran on creation.
		g := c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations/" + id, token: tok})
		require.NotContains(t, string(g.body), "OpenSSH", tc.name)
	}
}

// TestPrivateRangesRefusedAtCreate: with private hosts not allowed, the
// special ranges that embed or relay to IPv4 are refused like private
// addresses.
func TestPrivateRangesRefusedAtCreate(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	env["MAIL_ALLOW_PRIVATE_HOSTS"] = "false"
	in := start(t, env)
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-ranges")
	for _, host := range []string{
		"::a00:1",                  // IPv4-compatible ::10.0.0.1
		"::7f00:1",                 // IPv4-compatible ::127.0.0.1
		"2002:a00:1::1",            // 6to4 of 10.0.0.1
		"2001:0:4136:e378:8000::1", // Teredo
		"192.88.99.1",              // 6to4 relay anycast
	} {
		for _, side := range []string{"imap", "smtp"} {
			cfg := map[string]any{"email": "a@example.com", "imap": map[string]any{"host": "1.1.1.1", "security": "tls"}}
			cfg[side] = map[string]any{"host": host, "security": "tls"}
			r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: map[string]any{
				"name": "x", "provider": "imap", "config": cfg, "credentials": map[string]any{"password": "pw"},
			}})
			p := r.requireProblem(t, http.StatusUnprocessableEntity)
			require.Equal(t, []string{"config." + side + ".host"}, p.fields(), "%s as %s: %s", host, side, r.body)
		}
	}
	r := c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations", token: tok})
	var page integrationPage
	r.decode(t, &page)
	require.Empty(t, page.Data, "nothing was created")
}

// TestSendRefusesTraceHeaders: a send's extra headers may not be the
// ones mail servers write on the way (Received, Return-Path,
// DKIM-Signature, Resent-*): 422 naming the header, nothing stored.
func TestSendRefusesTraceHeaders(t *testing.T) {
	t.Parallel()
	in := start(t, baseEnv())
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-headers")
	mail := newMailServer(t)
	id := mailGuardCreate(t, c, tok, mail.createBody("Support"))
	path := "/api/v1/integrations/" + id + "/messages"
	for i, h := range []string{"Received", "received", "Return-Path", "DKIM-Signature", "Resent-From", "Resent-Message-ID"} {
		key := "trace-" + strconv.Itoa(i)
		send := func(headers map[string][]string) *reply {
			return c.do(t, call{method: http.MethodPost, path: path, token: tok, header: map[string]string{"Idempotency-Key": key},
				body: map[string]any{"to": []map[string]string{{"email": "zoe@example.org"}}, "subject": "Hi", "text": "Hello", "headers": headers}})
		}
		r := send(map[string][]string{h: {"from evil.example by mx.example; " + time.Now().Format(time.RFC1123Z)}, "X-Ticket": {"T-1"}})
		p := r.requireProblem(t, http.StatusUnprocessableEntity)
		require.Equal(t, []string{"headers." + h}, p.fields(), "%s", r.body)
		// Nothing was stored under the key: the same key with an
		// acceptable request is a new entry, not a replay.
		r = send(map[string][]string{"X-Ticket": {"T-1"}})
		require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
		require.Empty(t, r.header.Get("Idempotent-Replayed"))
	}
}
