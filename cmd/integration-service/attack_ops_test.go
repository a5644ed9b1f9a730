package main

import (
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestMetricSeriesStayClosed: a client may send any token as a method
// and any path; neither may create a metric series. After 20,000
// requests with random methods and paths, /metrics holds the same set
// of series (names and label values) as before them.
func TestMetricSeriesStayClosed(t *testing.T) {
	t.Parallel()
	env := baseEnv()
	env["EVENTS_SWEEP_INTERVAL"] = "9999h" // no job runs meanwhile: its series would be new
	in := start(t, env)

	rng := rand.New(rand.NewPCG(1, 2))
	send := func(n int) {
		var wg sync.WaitGroup
		jobs := make(chan [2]string)
		for range 8 {
			wg.Go(func() {
				hc := &http.Client{Timeout: 10 * time.Second}
				for j := range jobs {
					req, err := http.NewRequest(j[0], in.base+j[1], nil)
					if err != nil {
						t.Error(err)
						continue
					}
					resp, err := hc.Do(req)
					if err != nil {
						t.Error(err)
						continue
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
			})
		}
		for i := range n {
			jobs <- [2]string{randomMethod(rng, i), randomPath(rng, i)}
		}
		close(jobs)
		wg.Wait()
	}
	// Every kind of request once, so that the series they may rightly
	// make (OTHER and standard methods; unmatched and real routes;
	// 404 and 405) exist before the count.
	send(200)
	seriesOf(t, in.base) // the scrape's own series
	before := seriesOf(t, in.base)
	send(20_000)
	after := seriesOf(t, in.base)
	require.Equal(t, before, after, "series appeared or vanished")
	for _, s := range after {
		require.Less(t, len(s), 400, "a long label value: %s", s)
	}
}

// randomMethod is a standard method one time in four, else a random
// token of 1 to 12 characters.
func randomMethod(rng *rand.Rand, i int) string {
	std := []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions, http.MethodHead}
	if i%4 == 0 {
		return std[rng.IntN(len(std))]
	}
	const tchar = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~"
	b := make([]byte, 1+rng.IntN(12))
	for j := range b {
		b[j] = tchar[rng.IntN(len(tchar))]
	}
	return string(b)
}

// randomPath is a random path, or one under a real route's prefix.
func randomPath(rng *rand.Rand, i int) string {
	prefixes := []string{"/", "/api/v1/integrations/", "/webhooks/custom/", "/health/", "/metrics/", "/auth/google/"}
	p := prefixes[i%len(prefixes)] + strconv.FormatUint(rng.Uint64(), 36)
	if i%3 == 0 {
		return p // a route's pattern, with a random id
	}
	return p + "/" + strconv.Itoa(i)
}

// seriesOf returns every series of base's /metrics: the name with its
// label values, without the value, sorted.
func seriesOf(t *testing.T, base string) []string {
	t.Helper()
	var out []string
	for name, fam := range scrapeMetrics(t, base) {
		for _, m := range fam.GetMetric() {
			var ls []string
			for _, l := range m.GetLabel() {
				ls = append(ls, l.GetName()+"="+strconv.Quote(l.GetValue()))
			}
			out = append(out, name+"{"+strings.Join(ls, ",")+"}")
		}
	}
	slices.Sort(out)
	return out
}

// TestOperatorRoutes: what shows internals is for operators. On the
// public listener, a failing check's error text (here Redis's address,
// unreachable) is shown to ADMIN_TOKEN only; queue statistics and
// metrics refuse anyone else. The admin listener (ADMIN_ADDR) serves
// them without a credential, with the dashboard, which the public
// listener then no longer serves, and the profiler when PPROF_ENABLED.
func TestOperatorRoutes(t *testing.T) {
	t.Parallel()
	env := productionEnv(t, baseEnv())
	ru, err := url.Parse(env["REDIS_URL"])
	require.NoError(t, err)
	proxy := newTCPProxy(t, ru.Host)
	ru.Host = proxy.addr
	env["REDIS_URL"] = ru.String()
	adminAddr := "127.0.0.1:" + strconv.Itoa(freePort(t))
	env["ADMIN_ADDR"] = adminAddr
	env["PPROF_ENABLED"] = "true"
	env["PUBLIC_BASE_URL"] = "https://integrations.example" // TLS ends at a proxy in front of the public listener
	in := start(t, env)
	admin := "http://" + adminAddr

	get := func(u, token string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, u, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(b)
	}
	for _, path := range []string{"/health/queue-stats", "/metrics"} {
		code, _ := get(in.base+path, "")
		require.Equal(t, http.StatusUnauthorized, code, path)
		code, _ = get(in.base+path, tokenFor(t, "tenant-ops"))
		require.Equal(t, http.StatusUnauthorized, code, path, "a tenant's token is not the operator's")
		code, _ = get(in.base+path, testAdminToken)
		require.Equal(t, http.StatusOK, code, path)
		code, _ = get(admin+path, "")
		require.Equal(t, http.StatusOK, code, "admin listener "+path)
	}
	code, _ := get(admin+"/debug/pprof/cmdline", "")
	require.Equal(t, http.StatusOK, code)
	code, _ = get(in.base+"/debug/pprof/cmdline", testAdminToken)
	require.Equal(t, http.StatusNotFound, code, "the profiler is on the admin listener only")
	code, _ = get(in.base+"/dashboard/login", "")
	require.Equal(t, http.StatusNotFound, code, "the dashboard moved to the admin listener")
	code, _ = get(admin+"/dashboard/login", "")
	require.Equal(t, http.StatusOK, code)
	// Signing in on the admin listener (plain http, internal): the
	// session cookie is not Secure there, or it would never come back.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.PostForm(admin+"/dashboard/login", url.Values{"token": {testAdminToken}})
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Len(t, resp.Cookies(), 1)
	require.False(t, resp.Cookies()[0].Secure)
	req, err := http.NewRequest(http.MethodGet, admin+"/dashboard", nil)
	require.NoError(t, err)
	req.AddCookie(resp.Cookies()[0])
	resp, err = noRedirect.Do(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "signed in on the admin listener")

	// Redis goes away: the checks fail, and the error text, with its
	// address, is for operators only.
	proxy.close()
	require.Eventually(t, func() bool {
		code, _ := get(in.base+"/health/detailed", "")
		return code == http.StatusServiceUnavailable
	}, 20*time.Second, 100*time.Millisecond)
	for _, path := range []string{"/health", "/health/ready", "/health/detailed"} {
		code, body := get(in.base+path, "")
		require.Equal(t, http.StatusServiceUnavailable, code, path)
		require.Contains(t, body, `"fail"`, path)
		require.NotContains(t, body, proxy.port, "%s shows an address: %s", path, body)
	}
	for _, u := range []string{in.base + "/health/detailed|" + testAdminToken, admin + "/health/detailed|"} {
		target, tok, _ := strings.Cut(u, "|")
		code, body := get(target, tok)
		require.Equal(t, http.StatusServiceUnavailable, code)
		require.Contains(t, body, proxy.port, "operators see the failing check's error")
	}
}

// tcpProxy forwards connections to a target until closed, so that a
// test can take a service away from one process.
type tcpProxy struct {
	ln         net.Listener
	addr, port string
	mu         sync.Mutex
	conns      []net.Conn
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &tcpProxy{ln: ln, addr: ln.Addr().String()}
	_, p.port, _ = net.SplitHostPort(p.addr)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); _ = u.Close() }()
			go func() { _, _ = io.Copy(c, u); _ = c.Close() }()
		}
	}()
	t.Cleanup(p.close)
	return p
}

// close stops accepting and cuts every forwarded connection.
func (p *tcpProxy) close() {
	_ = p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}
