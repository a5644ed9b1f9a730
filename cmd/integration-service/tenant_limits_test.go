package main

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Issue 17, item 7: what one tenant may hold, and how many connections
// the service opens to the mail servers tenants name.

// limitProblem is a problem naming the limit a request went beyond.
type limitProblem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Limit  string `json:"limit"`
	Max    int64  `json:"max"`
	Errors []struct {
		Field string `json:"field"`
	} `json:"errors"`
}

func requireLimit(t *testing.T, r *reply, status int, limit string, most int64) {
	t.Helper()
	r.requireProblem(t, status)
	var p limitProblem
	r.decode(t, &p)
	require.Equal(t, limit, p.Limit, "%s", r.body)
	require.Equal(t, most, p.Max, "%s", r.body)
	if status == http.StatusTooManyRequests {
		require.Equal(t, "urn:ucsp:problem:quota-exceeded", p.Type)
	}
}

// TestTenantQuotas: a tenant's integrations, their config and
// credential sizes, its pending sends in number and bytes, and a send
// its provider can never take are each bounded, with a problem naming
// the limit, and a refused request creates nothing. In embedded and
// production mode (the stores count differently).
func TestTenantQuotas(t *testing.T) {
	t.Parallel()
	for _, mode := range []string{"embedded", "production"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			env := baseEnv()
			env["TENANT_MAX_INTEGRATIONS"] = "3"
			env["INTEGRATION_MAX_CONFIG_BYTES"] = "512"
			env["INTEGRATION_MAX_CREDENTIALS_BYTES"] = "128"
			env["TENANT_MAX_PENDING_SENDS"] = "3"
			env["TENANT_MAX_PENDING_SEND_BYTES"] = "5000"
			env["SMTP_MAX_MESSAGE_BYTES"] = "4096"
			if mode == "production" {
				env = productionEnv(t, env)
			}
			in := start(t, env)
			c := newClient(t, in.base)
			tenantQuotas(t, c)
		})
	}
}

func tenantQuotas(t *testing.T, c *apiClient) {
	// Sizes: a config or credentials over their limit are refused,
	// field by field.
	tok := tokenFor(t, "tenant-sizes")
	r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok,
		body: map[string]any{"name": "big", "provider": "custom", "config": map[string]any{"pad": strings.Repeat("a", 600)}}})
	require.Equal(t, []string{"config"}, r.requireProblem(t, http.StatusUnprocessableEntity).fields(), "%s", r.body)
	mail := newMailServer(t)
	body := mail.createBody("Support")
	body["credentials"] = map[string]any{"password": strings.Repeat("p", 129)}
	r = c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: body})
	require.Contains(t, r.requireProblem(t, http.StatusUnprocessableEntity).fields(), "credentials", "%s", r.body)
	r = c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations", token: tok})
	var page integrationPage
	r.decode(t, &page)
	require.Empty(t, page.Data, "nothing was created")

	// Integrations: three, then a 429; another tenant is not affected.
	tok = tokenFor(t, "tenant-quota")
	// Sends stay pending: their SMTP server refuses connections.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closedPort := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	sender := mail.createBody("Sender")
	sender["config"].(map[string]any)["smtp"] = map[string]any{"host": "127.0.0.1", "port": closedPort, "security": "none"}
	a := mailGuardCreate(t, c, tok, sender)
	sender["name"] = "Sender 2"
	b := mailGuardCreate(t, c, tok, sender)
	mailGuardCreate(t, c, tok, map[string]any{"name": "source", "provider": "custom"})
	r = c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: map[string]any{"name": "one too many", "provider": "custom"}})
	requireLimit(t, r, http.StatusTooManyRequests, "integrations_per_tenant", 3)
	r = c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations", token: tok})
	r.decode(t, &page)
	require.Len(t, page.Data, 3, "the refused one was not created")
	mailGuardCreate(t, c, tokenFor(t, "tenant-other"), map[string]any{"name": "source", "provider": "custom"})

	send := func(id, key, text string, attachment int) *reply {
		msg := map[string]any{"to": []map[string]string{{"email": "zoe@example.org"}}, "subject": "Hi", "text": text}
		if attachment > 0 {
			msg["attachments"] = []map[string]any{{"filename": "a.bin", "content": make([]byte, attachment)}}
		}
		return c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + id + "/messages", token: tok,
			header: map[string]string{"Idempotency-Key": key}, body: msg})
	}
	// A message its SMTP server can never take (SMTP_MAX_MESSAGE_BYTES):
	// 422 at once, nothing stored under its key.
	r = send(a, "k-big", "x", 4000) // 5,336 bytes once base64-encoded
	requireLimit(t, r, http.StatusUnprocessableEntity, "message_bytes", 4096)

	// Pending bytes (5000): 1,000 and 3,000 fit, 1,500 more do not.
	require.Equal(t, http.StatusAccepted, send(a, "k-1", strings.Repeat("x", 1000), 0).status)
	require.Equal(t, http.StatusAccepted, send(b, "k-2", strings.Repeat("y", 3000), 0).status)
	requireLimit(t, send(b, "k-3", strings.Repeat("z", 1500), 0), http.StatusTooManyRequests, "pending_send_bytes_per_tenant", 5000)
	// Pending entries (3): a small third one fits, a fourth does not.
	require.Equal(t, http.StatusAccepted, send(b, "k-3", "small", 0).status)
	requireLimit(t, send(b, "k-4", "small", 0), http.StatusTooManyRequests, "pending_sends_per_tenant", 3)

	// Deleting a frees its pending send: k-4 goes through, as a new
	// entry (the refusal stored nothing under the key).
	r = c.do(t, call{method: http.MethodDelete, path: "/api/v1/integrations/" + a, token: tok})
	require.Equal(t, http.StatusNoContent, r.status, "%s", r.body)
	r = send(b, "k-4", "small", 0)
	require.Equal(t, http.StatusAccepted, r.status, "%s", r.body)
	require.Empty(t, r.header.Get("Idempotent-Replayed"))
	r = c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: map[string]any{"name": "room again", "provider": "custom"}})
	require.Equal(t, http.StatusCreated, r.status, "a deleted integration frees its place: %s", r.body)
}

// holdServer is a TCP listener that accepts connections and holds each
// for a while without a word, then closes it, counting how many are
// open at once.
type holdServer struct {
	addr string
	port int

	mu         sync.Mutex
	open, most int
	total      int
	holdFor    time.Duration
	wg         sync.WaitGroup
	done       chan struct{}
}

func newHoldServer(t *testing.T, ip string, hold time.Duration) *holdServer {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	s := &holdServer{addr: ip, port: ln.Addr().(*net.TCPAddr).Port, holdFor: hold, done: make(chan struct{})}
	t.Cleanup(func() {
		close(s.done)
		_ = ln.Close()
		s.wg.Wait()
	})
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			s.mu.Lock()
			s.open++
			s.total++
			s.most = max(s.most, s.open)
			s.mu.Unlock()
			s.wg.Go(func() {
				select {
				case <-time.After(s.holdFor):
				case <-s.done:
				}
				s.mu.Lock()
				s.open--
				s.mu.Unlock()
				_ = conn.Close()
			})
		}
	}()
	return s
}

func (s *holdServer) counts() (total, most int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total, s.most
}

// TestMailConnectionsCappedAcrossProcesses: two processes in production
// mode sync many integrations of one IMAP server (a listener that
// accepts and holds connections); the connections open at once stay
// within MAIL_MAX_CONNECTIONS_PER_HOST, and those of one mailbox within
// MAIL_MAX_CONNECTIONS_PER_MAILBOX, counted by both processes together.
func TestMailConnectionsCappedAcrossProcesses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		ip          string
		env         map[string]string
		sameMailbox bool
	}{
		{"per host", "127.0.0.1", map[string]string{"MAIL_MAX_CONNECTIONS_PER_HOST": "1"}, false},
		{"per mailbox", "127.0.0.2", map[string]string{"MAIL_MAX_CONNECTIONS_PER_MAILBOX": "1"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newHoldServer(t, tc.ip, time.Second)
			env := productionEnv(t, baseEnv())
			for k, v := range tc.env {
				env[k] = v
			}
			env["ADMIN_TOKEN"] = tenantLimitsAdmin // for /metrics, should it need it
			one := start(t, env)
			two := start(t, env) // a second process, taking its share of the jobs
			c := newClient(t, one.base)
			tok := tokenFor(t, "tenant-conns")
			const integrations = 6
			for i := range integrations {
				user := "user" + strconv.Itoa(i)
				if tc.sameMailbox {
					user = "shared"
				}
				mailGuardCreate(t, c, tok, map[string]any{
					"name": "Mailbox " + strconv.Itoa(i), "provider": "imap", "credentials": map[string]any{"password": "pw"},
					"config": map[string]any{"email": user + "@example.com", "imap": map[string]any{"host": tc.ip, "port": srv.port, "security": "none", "username": user}},
				})
			}
			// Each first sync connects, is held a second, fails and is
			// retried: wait until the server has seen enough of them.
			// Both processes must have run syncs for the cap to be shared.
			deadline := time.Now().Add(90 * time.Second)
			for {
				total, _ := srv.counts()
				runs1, runs2 := syncRuns(t, one), syncRuns(t, two)
				if total >= integrations && runs1 > 0 && runs2 > 0 {
					break
				}
				require.True(t, time.Now().Before(deadline), "within 90 s: %d connections, %d and %d sync runs", total, runs1, runs2)
				time.Sleep(200 * time.Millisecond)
			}
			total, most := srv.counts()
			require.Equal(t, 1, most, "%d connections in all, at most %d at once", total, most)
		})
	}
}

// tenantLimitsAdmin is the ADMIN_TOKEN of the processes of
// TestMailConnectionsCappedAcrossProcesses.
const tenantLimitsAdmin = "tenant-limits-admin-token-0123456789abcdef"

// syncRuns returns how many sync jobs a process has run, whatever
// their outcome, from its /metrics.
func syncRuns(t *testing.T, in *instance) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, in.base+"/metrics", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+tenantLimitsAdmin)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if !strings.HasPrefix(line, "integration_job_runs_total{") || !strings.Contains(line, `type="sync"`) {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		require.NoError(t, err, line)
		n += int(v)
	}
	return n
}
