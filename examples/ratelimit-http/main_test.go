package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/redistest"
)

// requireLimited sends requests to h as the limit "3/m" allows them: each
// API key gets three, the fourth is refused with 429 and Retry-After, and
// keys (and addresses, without a key) are counted apart.
func requireLimited(t *testing.T, h http.Handler) {
	t.Helper()
	get := func(apiKey, remoteAddr string) *httptest.ResponseRecorder {
		r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/hello", nil)
		r.RemoteAddr = remoteAddr
		if apiKey != "" {
			r.Header.Set("X-API-Key", apiKey)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}

	for i := range 3 {
		w := get("k1", "192.0.2.1:1234")
		require.Equal(t, http.StatusOK, w.Code, "request %d: %s", i+1, w.Body)
		require.Equal(t, "hello\n", w.Body.String())
		require.Equal(t, `"1m";q=3;w=60`, w.Header().Get("RateLimit-Policy"))
		require.Equal(t, `"1m";r=`+strconv.Itoa(2-i)+`;t=`+strconv.Itoa(20*(i+1)), w.Header().Get("RateLimit"), "request %d", i+1)
		require.Empty(t, w.Header().Get("Retry-After"))
	}

	w := get("k1", "192.0.2.1:1234")
	require.Equal(t, http.StatusTooManyRequests, w.Code, w.Body.String())
	require.Equal(t, "application/problem+json", w.Header().Get("Content-Type"))
	require.Contains(t, w.Body.String(), `"status":429`)
	retry, err := strconv.Atoi(w.Header().Get("Retry-After"))
	require.NoError(t, err, "Retry-After %q", w.Header().Get("Retry-After"))
	require.InDelta(t, 20, retry, 1, "3/m admits one more request every 20 s")
	require.Regexp(t, regexp.MustCompile(`^"1m";r=0;t=\d+$`), w.Header().Get("RateLimit"))

	// Another key, and a request without one (counted by its address),
	// are not held back by k1's spending.
	require.Equal(t, http.StatusOK, get("k2", "192.0.2.1:1234").Code)
	require.Equal(t, http.StatusOK, get("", "192.0.2.1:1234").Code)
}

func TestLimitInMemory(t *testing.T) {
	t.Parallel()
	h, closeLimiter, err := newHandler(config{Limit: "3/m", Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	require.NoError(t, err)
	t.Cleanup(closeLimiter)
	requireLimited(t, h)
}

// TestLimitOnRedis runs the same requests with the limits kept in a real
// Redis, under a key prefix of the test's own, deleted when it ends.
func TestLimitOnRedis(t *testing.T) {
	t.Parallel()
	url, prefix := redistest.Prefix(t, "example-ratelimit")
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })

	h, closeLimiter, err := newHandler(config{Limit: "3/m", RedisURL: url, RedisPrefix: prefix, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	require.NoError(t, err)
	t.Cleanup(closeLimiter)
	requireLimited(t, h)

	keys, err := rdb.Keys(t.Context(), prefix+":*").Result()
	require.NoError(t, err)
	require.NotEmpty(t, keys, "the limits were kept in Redis")
}

// TestRunServes runs the program itself on a loopback port: it answers
// until its context ends, then shuts down cleanly.
func TestRunServes(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, config{Addr: "127.0.0.1:0", Limit: "1/m", Logger: slog.New(slog.NewTextHandler(t.Output(), nil))}, pw)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.True(t, strings.HasPrefix(line, "listening on http://"), line)
	base := strings.Fields(line)[2]
	base = strings.TrimSuffix(base, ",")

	hc := &http.Client{Timeout: 5 * time.Second}
	codes := make([]int, 2)
	for i := range codes {
		resp, err := hc.Get(base + "/hello")
		require.NoError(t, err)
		_ = resp.Body.Close()
		codes[i] = resp.StatusCode
	}
	require.Equal(t, []int{http.StatusOK, http.StatusTooManyRequests}, codes)

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

func TestNewHandlerRefusesBadLimit(t *testing.T) {
	t.Parallel()
	_, _, err := newHandler(config{Limit: "3 per minute"})
	require.ErrorContains(t, err, "-limit")
}
