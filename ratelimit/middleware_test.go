package ratelimit_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/ratelimit/ratelimittest"
)

// server wraps a handler that counts the requests it gets in the
// middleware, on a MemoryLimiter with a fake clock.
type server struct {
	clock   *ratelimittest.FakeClock
	handler http.Handler
	served  int
}

func newServer(t *testing.T, opts ratelimit.MiddlewareOptions) *server {
	t.Helper()
	s := &server{clock: ratelimittest.NewFakeClock(time.Unix(1_700_000_000, 0))}
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{Clock: s.clock})
	require.NoError(t, err)
	mw, err := ratelimit.Middleware(lim, opts)
	require.NoError(t, err)
	s.handler = mw(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.served++
		_, _ = w.Write([]byte("ok"))
	}))
	return s
}

// do sends a request from remote with the given headers.
func (s *server) do(remote string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodGet, "/api/v1/things", nil)
	r.RemoteAddr = remote
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	s.handler.ServeHTTP(w, r)
	return w
}

func TestMiddlewareHeadersAndDenial(t *testing.T) {
	t.Parallel()
	tiers, err := ratelimit.ParseTiers("free: 2/s, 3/90s name=slow")
	require.NoError(t, err)
	s := newServer(t, ratelimit.MiddlewareOptions{Tiers: tiers})

	w := s.do("192.0.2.1:5000")
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, `"1s";q=2;w=1, "slow";q=3;w=90`, w.Header().Get("RateLimit-Policy"))
	require.Equal(t, `"1s";r=1;t=1`, w.Header().Get("RateLimit"), "the closest to denying: 1 left of 2/s")
	require.Empty(t, w.Header().Get("Retry-After"))

	s.clock.Advance(time.Second)
	w = s.do("192.0.2.1:5000")
	require.Equal(t, http.StatusOK, w.Code)
	w = s.do("192.0.2.1:5000")
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, `"slow";r=0;t=89`, w.Header().Get("RateLimit"), "3 of 3 per 90s spent, the first 1s ago")

	s.clock.Advance(500 * time.Millisecond)
	w = s.do("192.0.2.1:5000")
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	require.Equal(t, 3, s.served, "a denied request does not reach the handler")
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	require.Equal(t, "29", w.Header().Get("Retry-After"), "the first unit of 3/90s comes back 30s after the first request: 28.5s, rounded up")
	require.Equal(t, `"slow";r=0;t=89`, w.Header().Get("RateLimit"), "88.5s, rounded up")
	require.Equal(t, `"1s";q=2;w=1, "slow";q=3;w=90`, w.Header().Get("RateLimit-Policy"))
	var p map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &p))
	require.Equal(t, "about:blank", p["type"])
	require.Equal(t, "Too Many Requests", p["title"])
	require.EqualValues(t, 429, p["status"])
	require.Contains(t, p["detail"], `rate limit "slow" (3/90s name=slow) exceeded; retry in 29s`)

	w = s.do("192.0.2.2:5000")
	require.Equal(t, http.StatusOK, w.Code, "another address has its own budget")
}

func TestMiddlewareTenantsAndTiers(t *testing.T) {
	t.Parallel()
	tiers, err := ratelimit.ParseTiers("free: 1/h; pro: 3/h")
	require.NoError(t, err)
	s := newServer(t, ratelimit.MiddlewareOptions{
		Tiers: tiers,
		Key: func(r *http.Request) (string, string) {
			return r.Header.Get("X-Tenant"), r.Header.Get("X-Plan")
		},
	})
	const ip = "192.0.2.1:1"
	statuses := func(n int, header ...string) []int {
		var out []int
		for range n {
			out = append(out, s.do(ip, header...).Code)
		}
		return out
	}
	require.Equal(t, []int{200, 200, 200, 429}, statuses(4, "X-Tenant", "acme", "X-Plan", "pro"))
	require.Equal(t, []int{200, 429}, statuses(2, "X-Tenant", "globex", "X-Plan", "free"))
	require.Equal(t, []int{200, 429}, statuses(2, "X-Tenant", "initech", "X-Plan", "platinum"), "an unknown tier is the default tier")
	require.Equal(t, []int{200, 429}, statuses(2), "no tenant: limited by address, which the tenants did not spend")
	require.Equal(t, []int{200, 429}, statuses(2, "X-Tenant", "192.0.2.7", "X-Plan", "free"), "a tenant key never shares an address's budget")
	require.Equal(t, []int{200}, statuses(1, "X-Tenant", "ip:192.0.2.9", "X-Plan", "free"))
}

func TestMiddlewareCost(t *testing.T) {
	t.Parallel()
	tiers, err := ratelimit.ParseTiers("free: 5/h")
	require.NoError(t, err)
	s := newServer(t, ratelimit.MiddlewareOptions{
		Tiers:  tiers,
		Logger: slog.New(slog.DiscardHandler),
		Cost: func(r *http.Request) int {
			n, _ := strconv.Atoi(r.Header.Get("X-Cost"))
			return n
		},
	})
	require.Equal(t, 200, s.do("192.0.2.1:1", "X-Cost", "3").Code)
	w := s.do("192.0.2.1:1", "X-Cost", "3")
	require.Equal(t, 429, w.Code)
	require.Equal(t, `"1h";r=2;t=2160`, w.Header().Get("RateLimit"), "denied for its cost with 2 left")
	require.Equal(t, 200, s.do("192.0.2.1:1", "X-Cost", "2").Code)
	w = s.do("192.0.2.1:1", "X-Cost", "6")
	require.Equal(t, 500, w.Code, "a cost above the burst is a configuration error")
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
}

func TestMiddlewareClientAddress(t *testing.T) {
	t.Parallel()
	tiers, err := ratelimit.ParseTiers("free: 1/h")
	require.NoError(t, err)
	s := newServer(t, ratelimit.MiddlewareOptions{
		Tiers:          tiers,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
	})
	admitted := func(remote string, header ...string) bool { return s.do(remote, header...).Code == 200 }

	// Behind a trusted proxy, the client is the nearest untrusted hop.
	require.True(t, admitted("10.0.0.1:1", "X-Forwarded-For", "198.51.100.1"))
	require.False(t, admitted("10.0.0.2:1", "X-Forwarded-For", "198.51.100.1"))
	require.False(t, admitted("10.0.0.2:1", "X-Forwarded-For", "203.0.113.66, 198.51.100.1, 10.1.1.1"),
		"what the client wrote on the left is not believed")
	require.False(t, admitted("[fd00::1]:1", "X-Forwarded-For", "6.6.6.6", "X-Forwarded-For", "198.51.100.1"), "several header lines")
	// From an untrusted address, X-Forwarded-For is ignored.
	require.True(t, admitted("198.51.100.2:1", "X-Forwarded-For", "198.51.100.3"))
	require.False(t, admitted("198.51.100.2:1", "X-Forwarded-For", "198.51.100.4"))
	require.True(t, admitted("198.51.100.3:1"))
	// Garbage after a trusted proxy: the proxy is the client.
	require.True(t, admitted("10.0.0.3:1", "X-Forwarded-For", "not-an-ip"))
	require.False(t, admitted("10.0.0.3:1", "X-Forwarded-For", "also-not"))
	// IPv6 clients are limited per /64; IPv4-mapped addresses are IPv4.
	require.True(t, admitted("[2001:db8:1:2::1]:1"))
	require.False(t, admitted("[2001:db8:1:2::ffff]:1"))
	require.True(t, admitted("[2001:db8:1:3::1]:1"))
	require.True(t, admitted("[::ffff:192.0.2.5]:1"))
	require.False(t, admitted("192.0.2.5:2"))
}

func TestMiddlewareFailClosed(t *testing.T) {
	t.Parallel()
	lim, err := ratelimit.NewRedis(closedClient(t), ratelimit.RedisOptions{FailureMode: ratelimit.FailClosed, ProbeInterval: time.Minute})
	require.NoError(t, err)
	t.Cleanup(func() { _ = lim.Close() })
	mw, err := ratelimit.Middleware(lim, ratelimit.MiddlewareOptions{})
	require.NoError(t, err)
	served := false
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { served = true }))
	for range 3 {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		require.Equal(t, http.StatusServiceUnavailable, w.Code)
		require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
		retry, err := strconv.Atoi(w.Header().Get("Retry-After"))
		require.NoError(t, err)
		require.Positive(t, retry)
		require.LessOrEqual(t, retry, 60)
		require.Empty(t, w.Header().Get("RateLimit"))
	}
	require.False(t, served)
}

func TestMiddlewareOptionsValidated(t *testing.T) {
	t.Parallel()
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	require.NoError(t, err)
	_, err = ratelimit.Middleware(nil, ratelimit.MiddlewareOptions{})
	require.ErrorContains(t, err, "Limiter")
	for _, c := range []struct {
		opts ratelimit.MiddlewareOptions
		want string
	}{
		{ratelimit.MiddlewareOptions{Tiers: ratelimit.Tiers{"free": {{Rate: 1}}}}, `MiddlewareOptions.Tiers: tier "free": limit`},
		{ratelimit.MiddlewareOptions{DefaultTier: "gold"}, `MiddlewareOptions.DefaultTier "gold"`},
		{ratelimit.MiddlewareOptions{IPTier: "gold"}, `MiddlewareOptions.IPTier "gold"`},
		{ratelimit.MiddlewareOptions{TrustedProxies: []netip.Prefix{{}}}, "MiddlewareOptions.TrustedProxies"},
	} {
		_, err := ratelimit.Middleware(lim, c.opts)
		require.ErrorContains(t, err, "ratelimit: "+c.want)
	}
}

// ClientKey is the key Middleware limits a request by: work charged to
// it counts against the client's next requests.
func TestClientKeyChargesTheMiddlewaresKey(t *testing.T) {
	t.Parallel()
	lim, err := ratelimit.NewMemory(ratelimit.MemoryOptions{})
	require.NoError(t, err)
	limits := []ratelimit.Limit{ratelimit.PerMinute(10)}
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	mw, err := ratelimit.Middleware(lim, ratelimit.MiddlewareOptions{Tiers: ratelimit.Tiers{"free": limits}, TrustedProxies: trusted})
	require.NoError(t, err)
	h := mw(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	req := func(remote, xff string) *http.Request {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = remote
		if xff != "" {
			r.Header.Set("X-Forwarded-For", xff)
		}
		return r
	}
	for _, c := range []struct{ remote, xff, other string }{
		{"192.0.2.7:1234", "", "192.0.2.8:1234"},
		{"10.1.2.3:80", "198.51.100.9", "198.51.100.10:1"},     // behind a trusted proxy
		{"[2001:db8:1:2::7]:443", "", "[2001:db8:1:3::7]:443"}, // per /64
		{"203.0.113.5:9", "198.51.100.11", "198.51.100.11:1"},  // an untrusted proxy's header is ignored
	} {
		r := req(c.remote, c.xff)
		res, err := lim.AllowN(t.Context(), ratelimit.ClientKey(r, trusted), 10, limits...)
		require.NoError(t, err)
		require.True(t, res.Allowed)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req(c.remote, c.xff))
		require.Equal(t, http.StatusTooManyRequests, w.Code, "%s: the charge counted", c.remote)
		w = httptest.NewRecorder()
		h.ServeHTTP(w, req(c.other, ""))
		require.Equal(t, http.StatusOK, w.Code, "%s: another client is not charged", c.other)
	}
}

// TestMiddlewareHeadersWhenDenied: with HeadersWhenDenied an admitted
// request gets no RateLimit headers, a denied one gets them with
// Retry-After as always.
func TestMiddlewareHeadersWhenDenied(t *testing.T) {
	t.Parallel()
	tiers, err := ratelimit.ParseTiers("free: 1/s")
	require.NoError(t, err)
	s := newServer(t, ratelimit.MiddlewareOptions{Tiers: tiers, HeadersWhenDenied: true})
	w := s.do("192.0.2.1:5000")
	require.Equal(t, http.StatusOK, w.Code)
	require.Empty(t, w.Header().Get("RateLimit"))
	require.Empty(t, w.Header().Get("RateLimit-Policy"))
	w = s.do("192.0.2.1:5000")
	require.Equal(t, http.StatusTooManyRequests, w.Code)
	require.Equal(t, `"1s";q=1;w=1`, w.Header().Get("RateLimit-Policy"))
	require.NotEmpty(t, w.Header().Get("RateLimit"))
	require.Equal(t, "1", w.Header().Get("Retry-After"))
}
