package main

import (
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestBinaryServesHealthAndStopsCleanly builds the real binary, runs it in
// embedded mode as the README says, probes the health routes and stops it
// with SIGTERM.
func TestBinaryServesHealthAndStopsCleanly(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "integration-service")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	port := freePort(t)
	cmd := exec.Command(bin)
	cmd.Env = []string{"PORT=" + strconv.Itoa(port), "PATH=" + os.Getenv("PATH")}
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	base := "http://127.0.0.1:" + strconv.Itoa(port)
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/health/live")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 50*time.Millisecond, "the service did not come up; logs:\n%s", logs)

	for _, path := range []string{"/health", "/health/ready", "/health/detailed"} {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		var body struct {
			Status string `json:"status"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Equal(t, "pass", body.Status, path)
	}
	require.Contains(t, logs.String(), "embedded mode", "embedded mode must say loudly that state is not durable")

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	select {
	case err := <-exited:
		require.NoError(t, err, "exit after SIGTERM; logs:\n%s", logs)
	case <-time.After(30 * time.Second):
		t.Fatal("the service did not stop after SIGTERM")
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	t.Parallel()
	for env, want := range map[string]string{
		"PORT=http":             "PORT",
		"PORT=70000":            "PORT",
		"SHUTDOWN_TIMEOUT=soon": "SHUTDOWN_TIMEOUT",
	} {
		k, v, _ := strings.Cut(env, "=")
		_, err := loadConfig(func(name string) string {
			if name == k {
				return v
			}
			return ""
		})
		require.ErrorContains(t, err, want, env)
	}
	cfg, err := loadConfig(func(string) string { return "" })
	require.NoError(t, err)
	require.Equal(t, 3003, cfg.Port)
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}
