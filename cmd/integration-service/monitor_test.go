package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMonitorCommand: `integration-service monitor` prints a running
// instance's checks and queues and exits 0; against an address where
// nothing answers it exits 1; with -w it prints again every -interval
// until interrupted, and exits 0.
func TestMonitorCommand(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	env["EVENTS_SWEEP_INTERVAL"] = "9999h" // no periodic job: the queues stay empty
	in := start(t, env)

	op := map[string]string{"ADMIN_TOKEN": testAdminToken}
	m := startProcess(t, op, "monitor", "-url", in.base)
	require.Equal(t, 0, m.wait(30*time.Second), "logs:\n%s", m.logs)
	out := m.logs.String()
	require.Contains(t, out, "status: pass")
	require.Contains(t, out, "CHECK")
	require.Contains(t, out, "store  pass")
	require.Contains(t, out, "queues: none yet", "a new instance has run no job")

	// Without the operator credential the queues are not shown, and
	// the checks carry statuses only.
	anon := startProcess(t, nil, "monitor", "-url", in.base)
	require.Equal(t, 0, anon.wait(30*time.Second), "logs:\n%s", anon.logs)
	require.Contains(t, anon.logs.String(), "store  pass")
	require.Contains(t, anon.logs.String(), "queues: unavailable")

	down := startProcess(t, nil, "monitor", "-url", "http://127.0.0.1:1")
	require.Equal(t, 1, down.wait(30*time.Second), "logs:\n%s", down.logs)
	require.Contains(t, down.logs.String(), "health:")

	w := startProcess(t, op, "monitor", "-w", "-interval", "200ms", "-url", in.base)
	require.Eventually(t, func() bool { return strings.Count(w.logs.String(), "status: pass") >= 3 }, 20*time.Second, 50*time.Millisecond)
	require.Equal(t, 0, w.stop(syscall.SIGINT, 10*time.Second), "logs:\n%s", w.logs)
}
