package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// process is a server the comparison started.
type process struct {
	cmd  *exec.Cmd
	base string
}

func execCommand(ctx context.Context, name string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, name, args...)
}

// buildServer builds cmd/integration-service as the release build does,
// in the main module, into a temporary directory.
func buildServer(ctx context.Context) (string, func(), error) {
	out, err := exec.CommandContext(ctx, "go", "list", "-m", "-f", "{{.Dir}}", "github.com/ucsp/integration").Output()
	if err != nil {
		return "", nil, fmt.Errorf("locating the main module: %w", err)
	}
	dir, err := os.MkdirTemp("", "compare-server-")
	if err != nil {
		return "", nil, err
	}
	bin := filepath.Join(dir, "integration-service")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./cmd/integration-service")
	build.Dir = strings.TrimSpace(string(out))
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOTOOLCHAIN=local")
	if b, err := build.CombinedOutput(); err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, fmt.Errorf("go build: %w\n%s", err, b)
	}
	return bin, func() { _ = os.RemoveAll(dir) }, nil
}

// startPeer runs this program again as the peer server.
func startPeer(ctx context.Context) (*process, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	port, err := freeServerPort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.CommandContext(ctx, self, "server")
	cmd.Env = append(os.Environ(), serverPeerEnv+"="+addr)
	return launch(ctx, cmd, "http://"+addr)
}

// startProcess runs the binary with env (and a free PORT); its logs are
// written to a discarding pipe, as a log shipper would read them.
func startProcess(ctx context.Context, bin string, env []string, args ...string) (*process, error) {
	port, err := freeServerPort()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(env, "PORT="+strconv.Itoa(port), "PATH="+os.Getenv("PATH"))
	return launch(ctx, cmd, "http://127.0.0.1:"+strconv.Itoa(port))
}

func launch(ctx context.Context, cmd *exec.Cmd, base string) (*process, error) {
	// The first lines of the logs, to say why a server did not come up;
	// the rest (one line a request) is discarded, as a log shipper would
	// take it away.
	head := &headWriter{max: 4096}
	cmd.Stdout, cmd.Stderr = head, head
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &process{cmd: cmd, base: base}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		resp, err := http.Get(base + "/health/live")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.stop()
	return nil, fmt.Errorf("%s did not come up:\n%s", cmd.Path, head.String())
}

// headWriter keeps the first max bytes written to it.
type headWriter struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (h *headWriter) Write(p []byte) (int, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if room := h.max - len(h.b); room > 0 {
		h.b = append(h.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (h *headWriter) String() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return string(h.b)
}

func (p *process) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-done
	}
}

func freeServerPort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
