package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/testenv"
)

// TestReadmeCommand runs what the README says, `go run
// ./cmd/integration-service`, with no service configured: it serves
// /health, says loudly that nothing is durable, and stops with exit 0 on
// Ctrl-C (SIGINT to the process group: go run waits for its program on
// SIGINT, while SIGTERM would end go run itself; the binary's SIGTERM
// drain is TestShutdownUnderLoad's).
func TestReadmeCommand(t *testing.T) {
	t.Parallel()
	port := freePort(t)
	cmd := exec.Command("go", "run", ".")
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if k != "DATABASE_URL" && k != "REDIS_URL" && k != "PORT" && k != "JWT_SECRET" && k != "ENCRYPTION_KEYS" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "GOTOOLCHAIN=local", "PORT="+strconv.Itoa(port))
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // signal go run and the program it runs
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/health")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var body struct {
			Status string `json:"status"`
		}
		return resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&body) == nil && body.Status == "pass"
	}, 3*time.Minute, 100*time.Millisecond, "go run did not serve /health; logs:\n%s", logs)
	time.Sleep(logFlushWait) // lines wait up to LOG_FLUSH_INTERVAL to be written
	require.Contains(t, logs.String(), "embedded mode: state is kept in memory")
	require.Contains(t, logs.String(), "generated_secrets=\"[JWT_SECRET ENCRYPTION_KEYS]\"")

	require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
	select {
	case <-exited: // go run itself exits 1 after an interrupt, whatever its program did
	case <-time.After(time.Minute):
		t.Fatalf("did not stop after SIGINT; logs:\n%s", logs)
	}
	require.Contains(t, logs.String(), "stopped cleanly", "the program's own drain")
}

// TestStartRefusesUnsafeConfig: production settings without the keys
// that keep stored secrets readable, or without a JWT secret, exit
// non-zero with a message naming the variable, before touching anything.
func TestStartRefusesUnsafeConfig(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want []string
	}{
		{map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1/0"}, nil, []string{"ENCRYPTION_KEYS: required when DATABASE_URL is set"}},
		{map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1/0", "APP_ENV": "staging"}, []string{"serve"}, []string{"ENCRYPTION_KEYS"}},
		{map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/none"}, []string{"worker"}, []string{"ENCRYPTION_KEYS", "REDIS_URL"}},
		{map[string]string{"DATABASE_URL": "postgres://postgres@127.0.0.1:1/none"}, []string{"migrate"}, []string{"ENCRYPTION_KEYS"}},
		{map[string]string{"APP_ENV": "production", "DATABASE_URL": "postgres://postgres@127.0.0.1:1/none", "REDIS_URL": "redis://127.0.0.1:1/0", "ENCRYPTION_KEYS": testKeys}, nil, []string{"JWT_SECRET: required when APP_ENV=production"}},
		{map[string]string{"PORT": "http"}, nil, []string{"PORT"}},
		{nil, []string{"serve"}, []string{"embedded mode runs the API and the worker in one process"}},
	} {
		in := startProcess(t, tc.env, tc.args...) // tc.env's PORT, when set, wins over the free port
		code := in.wait(30 * time.Second)
		require.Equal(t, 1, code, "%v %v: logs:\n%s", tc.env, tc.args, in.logs)
		for _, w := range tc.want {
			require.Contains(t, in.logs.String(), w, "%v %v", tc.env, tc.args)
		}
		require.NotContains(t, in.logs.String(), "serving")
	}
}

// TestSubcommands: healthcheck, token, version and an unknown command.
func TestSubcommands(t *testing.T) {
	t.Parallel()
	in := start(t, baseEnv())
	port := strings.TrimPrefix(in.base, "http://127.0.0.1:")

	run := func(env []string, args ...string) (string, int) {
		cmd := exec.Command(binPath, args...)
		cmd.Env = env
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	_, code := run([]string{"PORT=" + port}, "healthcheck")
	require.Equal(t, 0, code)
	_, code = run([]string{"PORT=" + port}, "healthcheck", "live")
	require.Equal(t, 0, code)
	out, code := run([]string{"PORT=" + strconv.Itoa(freePort(t))}, "healthcheck")
	require.Equal(t, 1, code, out)

	tok, code := run([]string{"JWT_SECRET=" + testSecret}, "token", "-tenant", "tenant-cli", "-ttl", "5m")
	require.Equal(t, 0, code, tok)
	req, err := http.NewRequest(http.MethodGet, in.base+"/api/v1/integrations", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	out, code = run(nil, "token", "-tenant", "x")
	require.Equal(t, 1, code)
	require.Contains(t, out, "JWT_SECRET")

	out, code = run(nil, "version")
	require.Equal(t, 0, code)
	require.Contains(t, out, "integration-service")
	out, code = run(nil, "frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, out, "usage")
}

// TestMailHostsGuard: unless the operator allows it, a tenant cannot
// point an integration at loopback, private or link-local addresses, nor
// use plaintext; nothing is stored.
func TestMailHostsGuard(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	delete(env, "MAIL_ALLOW_PRIVATE_HOSTS")
	delete(env, "MAIL_ALLOW_PLAINTEXT")
	in := start(t, env)
	c := newClient(t, in.base)
	tok := tokenFor(t, "tenant-guard")
	body := func(host, security string, smtpHost string) map[string]any {
		cfg := map[string]any{"email": "a@example.com", "imap": map[string]any{"host": host, "security": security}}
		if smtpHost != "" {
			cfg["smtp"] = map[string]any{"host": smtpHost}
		}
		return map[string]any{"name": "x", "provider": "imap", "config": cfg, "credentials": map[string]any{"password": "p"}}
	}
	for _, tc := range []struct {
		body   map[string]any
		fields []string
	}{
		{body("127.0.0.1", "tls", ""), []string{"config.imap.host"}},
		{body("localhost", "tls", ""), []string{"config.imap.host"}},
		{body("10.1.2.3", "tls", ""), []string{"config.imap.host"}},
		{body("192.168.0.10", "starttls", ""), []string{"config.imap.host"}},
		{body("169.254.169.254", "tls", ""), []string{"config.imap.host"}},
		{body("::1", "tls", ""), []string{"config.imap.host"}},
		{body("100.64.0.1", "tls", "172.16.0.1"), []string{"config.imap.host", "config.smtp.host"}},
		{body("1.1.1.1", "none", ""), []string{"config.imap.security"}},
	} {
		p := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: tc.body}).requireProblem(t, http.StatusUnprocessableEntity)
		require.Equal(t, tc.fields, p.fields(), "%v", tc.body)
	}
	r := c.do(t, call{method: http.MethodGet, path: "/api/v1/integrations", token: tok})
	require.JSONEq(t, `{"data":[],"next_cursor":null}`, string(r.body))
}

// TestSeparateRoles: in production mode an API process (serve) and a
// worker process share the database and Redis: a sync requested from
// the API is run by the worker, and the worker serves no API.
func TestSeparateRoles(t *testing.T) {
	t.Parallel()
	testenv.DatabaseURL(t)
	env := productionEnv(t, baseEnv())
	api := start(t, env, "serve")
	worker := start(t, env, "worker")
	mail := newMailServer(t)
	mail.deliver(t, "Hello")
	mail.deliver(t, "Again")
	s := &suite{c: newClient(t, api.base), in: api, mail: mail}
	tok := tokenFor(t, "tenant-roles")
	in := s.create(t, tok, mail.createBody("Mailbox"))
	s.sync(t, tok, in.ID)
	s.waitMessages(t, tok, in.ID, 2)

	resp, err := http.Get(worker.base + "/api/v1/integrations")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	resp, err = http.Get(worker.base + "/health/ready")
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, worker.settledLogs(), "role=worker")
	require.Equal(t, 0, worker.stop(syscall.SIGTERM, 30*time.Second), "worker logs:\n%s", worker.logs)
	require.Equal(t, 0, api.stop(syscall.SIGTERM, 30*time.Second), "api logs:\n%s", api.logs)
}

// TestMigrateSubcommand applies the migrations to an empty schema and
// exits 0; running it again finds nothing to do.
func TestMigrateSubcommand(t *testing.T) {
	t.Parallel()
	env := productionEnv(t, map[string]string{})
	for i := range 2 {
		in := startProcess(t, env, "migrate")
		require.Equal(t, 0, in.wait(time.Minute), "logs:\n%s", in.logs)
		if i == 0 {
			require.Contains(t, in.logs.String(), "applied database migrations")
		} else {
			require.NotContains(t, in.logs.String(), "applied database migrations")
		}
	}
}
