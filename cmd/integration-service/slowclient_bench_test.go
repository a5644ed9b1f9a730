package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// BenchmarkSlowClients measures what 500 slow clients cost the real
// binary (embedded mode, default deadlines): each sends the head of a
// signed delivery to a custom source announcing a 1 MiB body, half of
// the body, and then nothing. It reports the process's RSS before and
// while they hold their connections; how many of their connections are
// still open 25 s later (past BODY_READ_TIMEOUT and what BODY_MIN_RATE
// grants 512 KiB); the RSS once a second wave of 500 has done the same
// (the first wave's memory reused, or held and added to); and the
// latency of normal requests (signed deliveries of a small message, one
// at a time) without and with the first wave.
//
//	go test -run '^$' -bench BenchmarkSlowClients -benchtime=1x ./cmd/integration-service
func BenchmarkSlowClients(b *testing.B) {
	const (
		clients  = 500
		announce = 1 << 20
		sent     = announce / 2
	)
	for b.Loop() {
		in := startBench(b, map[string]string{
			"JWT_SECRET": testSecret, "IMAP_WATCH": "false", "LOG_LEVEL": "warn",
			// Normal requests and slow clients come from one address here.
			"WEBHOOK_RATE_LIMIT_CLIENT": "100000/s burst=100000",
			"WEBHOOK_RATE_LIMIT_TARGET": "100000/s burst=100000",
		})
		c := newBenchClient(in.base)
		id, secret := c.source(b, benchToken(b))
		pid := in.cmd.Process.Pid
		rssIdle := rssMB(b, pid)
		p50, p99 := c.latency(b, id, secret, 200)

		// The slow clients: headers, half the body, then nothing.
		u, _ := url.Parse(in.base)
		half := strings.Repeat("x", sent)
		wave := func(name string) []net.Conn {
			conns := make([]net.Conn, 0, clients)
			for i := range clients {
				conn, err := net.Dial("tcp", u.Host)
				if err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { _ = conn.Close() })
				h := ingressSignature(b, secret, "msg_"+name+"_"+strconv.Itoa(i), []byte("{}"))
				var head strings.Builder
				fmt.Fprintf(&head, "POST /webhooks/custom/%s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", id, u.Host, announce)
				for k, v := range h {
					fmt.Fprintf(&head, "%s: %s\r\n", k, v)
				}
				head.WriteString("\r\n")
				if _, err := io.WriteString(conn, head.String()+half); err != nil {
					b.Fatal(err)
				}
				conns = append(conns, conn)
			}
			time.Sleep(2 * time.Second) // the server has read what they sent
			return conns
		}
		conns := wave("first")
		rssHeld := rssMB(b, pid)
		p50Slow, p99Slow := c.latency(b, id, secret, 200)

		time.Sleep(25 * time.Second)
		open := 0
		for _, conn := range conns {
			_ = conn.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
			_, err := bufio.NewReader(conn).ReadByte()
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				open++ // nothing said, nothing closed: still held
			}
		}
		// A second wave: if the first one's memory was freed, it is
		// reused; if it is still held, the process grows again.
		wave("second")
		rssSecond := rssMB(b, pid)

		b.ReportMetric(rssIdle, "rss-idle-MB")
		b.ReportMetric(rssHeld, "rss-slow-MB")
		b.ReportMetric(rssSecond, "rss-second-wave-MB")
		b.ReportMetric(float64(open), "slow-conns-open-after-25s")
		b.ReportMetric(p50, "p50-ms")
		b.ReportMetric(p99, "p99-ms")
		b.ReportMetric(p50Slow, "p50-slow-ms")
		b.ReportMetric(p99Slow, "p99-slow-ms")
	}
}

// startBench runs the binary for a benchmark.
func startBench(b *testing.B, env map[string]string) *instance {
	b.Helper()
	port := strconv.Itoa(freePortB(b))
	in := &instance{base: "http://127.0.0.1:" + port, logs: &lockedBuffer{}, exited: make(chan struct{})}
	in.cmd = exec.Command(binPath)
	in.cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "PORT=" + port}
	for k, v := range env {
		in.cmd.Env = append(in.cmd.Env, k+"="+v)
	}
	in.cmd.Stdout, in.cmd.Stderr = in.logs, in.logs
	if err := in.cmd.Start(); err != nil {
		b.Fatal(err)
	}
	go func() { in.err = in.cmd.Wait(); close(in.exited) }()
	b.Cleanup(func() { _ = in.cmd.Process.Kill(); <-in.exited })
	deadline := time.Now().Add(60 * time.Second)
	for {
		if resp, err := http.Get(in.base + "/health/live"); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return in
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("the service did not come up:\n%s", in.logs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePortB(b *testing.B) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// rssMB is the resident set of process pid, in MiB.
func rssMB(b *testing.B, pid int) float64 {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return float64(kb) / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// benchClient makes the benchmark's normal requests.
type benchClient struct {
	base string
	hc   *http.Client
	mu   sync.Mutex
	seq  int
}

func newBenchClient(base string) *benchClient { return &benchClient{base: base, hc: &http.Client{}} }

func (c *benchClient) source(b *testing.B, tok string) (string, string) {
	req, _ := http.NewRequest(http.MethodPost, c.base+"/api/v1/integrations", strings.NewReader(`{"name":"Bench","provider":"custom"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var in integration
	if err := json.NewDecoder(resp.Body).Decode(&in); err != nil || resp.StatusCode != http.StatusCreated {
		b.Fatalf("create source: %s %v", resp.Status, err)
	}
	return in.ID, in.WebhookSecret
}

// benchToken is an API token of the benchmark's tenant.
func benchToken(b *testing.B) string {
	c := jwt.MapClaims{"sub": "bench", "tenant_id": "tenant-bench", "exp": time.Now().Add(time.Hour).Unix()}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(testSecret))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// latency sends n deliveries one at a time and returns the median and
// 99th percentile, in milliseconds.
func (c *benchClient) latency(b *testing.B, id, secret string, n int) (float64, float64) {
	took := make([]time.Duration, 0, n)
	for range n {
		c.mu.Lock()
		c.seq++
		seq := c.seq
		c.mu.Unlock()
		body := []byte(inbound("Bench "+strconv.Itoa(seq), "bench-"+strconv.Itoa(seq)+"@example.org"))
		req, _ := http.NewRequest(http.MethodPost, c.base+"/webhooks/custom/"+id, strings.NewReader(string(body)))
		for k, v := range ingressSignature(b, secret, "msg_bench_"+strconv.Itoa(seq), body) {
			req.Header.Set(k, v)
		}
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := c.hc.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		took = append(took, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("delivery: %s", resp.Status)
		}
	}
	slices.Sort(took)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	return ms(took[len(took)/2]), ms(took[len(took)*99/100])
}
