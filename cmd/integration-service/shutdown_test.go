package main

import (
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// slowProxy forwards TCP connections to target after holding each for
// delay: a mail server that is slow to answer, so that requests and jobs
// that talk to it are in flight long enough to be caught by a SIGTERM.
type slowProxy struct {
	addr     string
	accepted atomic.Int64
}

func newSlowProxy(t *testing.T, target string, delay time.Duration) *slowProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	p := &slowProxy{addr: ln.Addr().String()}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.accepted.Add(1)
			go func() {
				defer c.Close()
				time.Sleep(delay)
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer up.Close()
				go func() { _, _ = io.Copy(up, c) }()
				_, _ = io.Copy(c, up)
			}()
		}
	}()
	return p
}

// TestShutdownUnderLoad sends SIGTERM while clients hammer the API, a
// slow connectivity test is in flight and (in production mode) a slow
// sync job runs: the in-flight request completes with its real answer,
// no request gets a 5xx, the process exits 0, and the sync's messages
// are stored (seen by the next process on the same database).
func TestShutdownUnderLoad(t *testing.T) {
	t.Parallel()
	t.Run("embedded", func(t *testing.T) {
		t.Parallel()
		shutdownUnderLoad(t, baseEnv(), false)
	})
	t.Run("production", func(t *testing.T) {
		t.Parallel()
		shutdownUnderLoad(t, productionEnv(t, baseEnv()), true)
	})
}

func shutdownUnderLoad(t *testing.T, env map[string]string, durable bool) {
	env["SHUTDOWN_TIMEOUT"] = "20s"
	in := start(t, env)
	c := newClient(t, in.base)
	mail := newMailServer(t)
	mail.deliver(t, "Caught in the drain")
	proxy := newSlowProxy(t, net.JoinHostPort(mail.host, strconv.Itoa(mail.port)), 1500*time.Millisecond)
	host, port, _ := net.SplitHostPort(proxy.addr)
	body := mail.createBody("Slow mailbox")
	body["config"].(map[string]any)["imap"] = map[string]any{"host": host, "port": mustAtoi(t, port), "security": "none"}
	tok := tokenFor(t, "tenant-drain")
	s := &suite{c: c, in: in, mail: mail}
	created := s.create(t, tok, body)
	item := in.base + "/api/v1/integrations/" + created.ID

	// Load: keep-alive clients until the server goes away.
	var ok, bad, errsBefore atomic.Int64
	var signalled atomic.Bool
	stop := make(chan struct{})
	var load sync.WaitGroup
	for range 8 {
		load.Go(func() {
			hc := &http.Client{Timeout: 30 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, item, nil)
				req.Header.Set("Authorization", "Bearer "+tok)
				resp, err := hc.Do(req)
				if err != nil {
					if !signalled.Load() {
						errsBefore.Add(1)
					}
					time.Sleep(5 * time.Millisecond) // refused after shutdown: keep trying until stopped
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					ok.Add(1)
				} else {
					bad.Add(1)
				}
			}
		})
	}

	// The slow request, in flight when the signal comes.
	type result struct {
		status int
		body   []byte
		err    error
	}
	slow := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, item+"/test", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			slow <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		slow <- result{status: resp.StatusCode, body: b, err: err}
	}()
	require.Eventually(t, func() bool { return proxy.accepted.Load() >= 1 }, 10*time.Second, 5*time.Millisecond)
	if durable {
		r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations/" + created.ID + "/sync", token: tok})
		require.Equal(t, http.StatusAccepted, r.status)
		require.Eventually(t, func() bool { return proxy.accepted.Load() >= 2 }, 10*time.Second, 5*time.Millisecond, "the sync job did not start")
	}
	time.Sleep(200 * time.Millisecond)
	require.Positive(t, ok.Load(), "no load before the signal")

	signalled.Store(true)
	require.NoError(t, in.cmd.Process.Signal(syscall.SIGTERM))
	res := <-slow
	require.NoError(t, res.err, "the in-flight request was cut")
	require.Equal(t, http.StatusOK, res.status, "%s", res.body)
	require.Contains(t, string(res.body), `"ok":true`)
	code := in.wait(40 * time.Second)
	close(stop)
	load.Wait()
	require.Equal(t, 0, code, "exit code; logs:\n%s", in.logs)
	require.Zero(t, bad.Load(), "responses other than 200 during the drain")
	require.Zero(t, errsBefore.Load(), "errors before the signal")
	require.Contains(t, in.logs.String(), "stopped cleanly")
	t.Logf("%d requests answered 200 around the shutdown", ok.Load())

	if durable {
		// An API-only process: no worker that could run the sync again,
		// so the messages are there only if the drain finished it.
		next := start(t, env, "serve")
		nc := newClient(t, next.base)
		s2 := &suite{c: nc, in: next, mail: mail}
		s2.waitMessages(t, tok, created.ID, 1)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}
