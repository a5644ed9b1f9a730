package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// binPath is the binary under test, built once by TestMain.
var binPath string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "integration-service-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binPath = filepath.Join(dir, "integration-service")
	args := []string{"build", "-o", binPath}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, ".")...)
	build.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// instance is one running process of the binary.
type instance struct {
	t      *testing.T
	cmd    *exec.Cmd
	base   string
	logs   *lockedBuffer
	exited chan struct{}
	err    error // the exit status, once exited is closed
}

// startProcess runs the binary with exactly env (plus PATH and a free
// PORT) and args, without waiting for it to serve.
func startProcess(t *testing.T, env map[string]string, args ...string) *instance {
	t.Helper()
	port := freePort(t)
	cmd := exec.Command(binPath, args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PORT=" + strconv.Itoa(port)}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	in := &instance{t: t, cmd: cmd, base: "http://127.0.0.1:" + strconv.Itoa(port), logs: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = in.logs, in.logs
	require.NoError(t, cmd.Start())
	go func() { in.err = cmd.Wait(); close(in.exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-in.exited
		if t.Failed() {
			t.Logf("logs of %s:\n%s", binPath, in.logs)
		}
	})
	return in
}

// start runs the binary and waits until it answers /health/live.
func start(t *testing.T, env map[string]string, args ...string) *instance {
	t.Helper()
	in := startProcess(t, env, args...)
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(in.base + "/health/live")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in
			}
		}
		select {
		case <-in.exited:
			t.Fatalf("the service exited (%v) before serving; logs:\n%s", in.err, in.logs)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("the service did not come up; logs:\n%s", in.logs)
		}
	}
}

// logFlushWait is how long a running process may hold log lines in
// its buffer (LOG_FLUSH_INTERVAL, 100ms by default), with room to spare.
const logFlushWait = 500 * time.Millisecond

// settledLogs returns the logs of a running process once the lines it
// had buffered when called are written.
func (in *instance) settledLogs() string {
	time.Sleep(logFlushWait)
	return in.logs.String()
}

// stop sends sig and returns the exit code.
func (in *instance) stop(sig syscall.Signal, timeout time.Duration) int {
	in.t.Helper()
	require.NoError(in.t, in.cmd.Process.Signal(sig))
	return in.wait(timeout)
}

// wait waits for the process to exit and returns its exit code.
func (in *instance) wait(timeout time.Duration) int {
	in.t.Helper()
	select {
	case <-in.exited:
	case <-time.After(timeout):
		in.t.Fatalf("the service did not exit within %s; logs:\n%s", timeout, in.logs)
	}
	return in.cmd.ProcessState.ExitCode()
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer func() { _ = ln.Close() }()
	return ln.Addr().(*net.TCPAddr).Port
}
