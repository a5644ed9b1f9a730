package session_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/redistest"
	"github.com/ucsp/integration/internal/session"
)

// clock is a settable time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// stores runs f with each Store: memory, and Redis (TEST_REDIS_URL) on
// a prefix of the test's own, with a function that returns every key
// and value the store holds.
func stores(t *testing.T, f func(t *testing.T, st session.Store, dump func() string)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		st := session.NewMemoryStore()
		f(t, st, func() string { return "" })
	})
	t.Run("redis", func(t *testing.T) {
		t.Parallel()
		url, prefix := redistest.Prefix(t, "session")
		opt, err := redis.ParseURL(url)
		require.NoError(t, err)
		rdb := redis.NewClient(opt)
		t.Cleanup(func() { _ = rdb.Close() })
		dump := func() string {
			ctx := context.Background()
			var b strings.Builder
			keys, err := rdb.Keys(ctx, prefix+":*").Result()
			require.NoError(t, err)
			for _, k := range keys {
				v, err := rdb.HGetAll(ctx, k).Result()
				require.NoError(t, err)
				b.WriteString(k)
				for f, x := range v {
					b.WriteString(" " + f + "=" + x)
				}
				b.WriteString("\n")
			}
			return b.String()
		}
		f(t, session.NewRedisStore(rdb, prefix+":session"), dump)
	})
}

// TestSessions: every session is new (id and CSRF token), is found by
// its id only, lasts its idle time after each use and its TTL at most,
// ends when deleted, and is stored under a hash of its id only.
func TestSessions(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, st session.Store, dump func() string) {
		ctx := context.Background()
		clk := &clock{t: time.Unix(1_800_000_000, 0)}
		m, err := session.NewManager(st, session.Options{TTL: 10 * time.Hour, Idle: time.Hour, Now: clk.now})
		require.NoError(t, err)

		a, err := m.Create(ctx)
		require.NoError(t, err)
		b, err := m.Create(ctx)
		require.NoError(t, err)
		require.NotEqual(t, a.ID, b.ID)
		require.NotEqual(t, a.CSRF, b.CSRF)
		require.GreaterOrEqual(t, len(a.ID), 43, "256 bits")
		require.NotContains(t, dump(), a.ID)
		require.NotContains(t, dump(), a.CSRF)

		got, err := m.Get(ctx, a.ID)
		require.NoError(t, err)
		require.Equal(t, a.CSRF, got.CSRF)
		require.True(t, got.CheckCSRF(a.CSRF))
		require.False(t, got.CheckCSRF(b.CSRF), "another session's token")
		require.False(t, got.CheckCSRF(""))
		for _, bad := range []string{"", "x", a.ID[:42], a.ID + "A", strings.Repeat("*", 43), strings.Repeat("A", 43)} {
			_, err := m.Get(ctx, bad)
			require.ErrorIs(t, err, session.ErrNoSession, "%q", bad)
		}

		// Idle: each use starts the hour again; an hour unused ends it.
		clk.add(59 * time.Minute)
		_, err = m.Get(ctx, a.ID)
		require.NoError(t, err, "used within the hour")
		clk.add(59 * time.Minute)
		_, err = m.Get(ctx, a.ID)
		require.NoError(t, err, "used within the hour again")
		_, err = m.Get(ctx, b.ID)
		require.ErrorIs(t, err, session.ErrNoSession, "b was idle for 118 minutes")
		clk.add(time.Hour)
		_, err = m.Get(ctx, a.ID)
		require.ErrorIs(t, err, session.ErrNoSession, "idle for an hour")

		// TTL: used every 50 minutes, still over 10 hours after creation.
		c, err := m.Create(ctx)
		require.NoError(t, err)
		for range 11 {
			_, err = m.Get(ctx, c.ID)
			require.NoError(t, err)
			clk.add(50 * time.Minute)
		}
		_, err = m.Get(ctx, c.ID)
		require.NoError(t, err, "9h10m old")
		clk.add(50 * time.Minute)
		_, err = m.Get(ctx, c.ID)
		require.ErrorIs(t, err, session.ErrNoSession, "10 hours old")

		// Delete.
		d, err := m.Create(ctx)
		require.NoError(t, err)
		require.NoError(t, m.Delete(ctx, d.ID))
		_, err = m.Get(ctx, d.ID)
		require.ErrorIs(t, err, session.ErrNoSession)
		require.NoError(t, m.Delete(ctx, d.ID), "twice")
		require.NoError(t, m.Delete(ctx, "not an id"))
	})
}

// TestIdleAtMostTTL: an idle time longer than the TTL is cut to it.
func TestIdleAtMostTTL(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	m, err := session.NewManager(session.NewMemoryStore(), session.Options{TTL: time.Minute, Idle: time.Hour, Now: clk.now})
	require.NoError(t, err)
	s, err := m.Create(context.Background())
	require.NoError(t, err)
	clk.add(time.Minute)
	_, err = m.Get(context.Background(), s.ID)
	require.ErrorIs(t, err, session.ErrNoSession)

	_, err = session.NewManager(nil, session.Options{})
	require.ErrorContains(t, err, "Store")
	_, err = session.NewManager(session.NewMemoryStore(), session.Options{Idle: -time.Second})
	require.ErrorContains(t, err, "Options.Idle")
}

// TestMemoryForgetsExpired: a new session clears the expired ones.
func TestMemoryForgetsExpired(t *testing.T) {
	t.Parallel()
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	st := session.NewMemoryStore()
	m, err := session.NewManager(st, session.Options{TTL: time.Hour, Idle: time.Minute, Now: clk.now})
	require.NoError(t, err)
	for range 5 {
		_, err := m.Create(context.Background())
		require.NoError(t, err)
	}
	require.Equal(t, 5, st.Len())
	clk.add(time.Minute)
	_, err = m.Create(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, st.Len())
}

// TestRedisExpires: Redis drops a session by itself at its idle time.
func TestRedisExpires(t *testing.T) {
	t.Parallel()
	url, prefix := redistest.Prefix(t, "session")
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	m, err := session.NewManager(session.NewRedisStore(rdb, prefix), session.Options{TTL: time.Hour, Idle: 20 * time.Minute})
	require.NoError(t, err)
	s, err := m.Create(context.Background())
	require.NoError(t, err)
	keys, err := rdb.Keys(context.Background(), prefix+":*").Result()
	require.NoError(t, err)
	require.Len(t, keys, 1)
	ttl, err := rdb.PTTL(context.Background(), keys[0]).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 19*time.Minute)
	require.LessOrEqual(t, ttl, 20*time.Minute)
	_, err = m.Get(context.Background(), s.ID)
	require.NoError(t, err)
	ttl, err = rdb.PTTL(context.Background(), keys[0]).Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 19*time.Minute, "a use sets it again")
}

// TestSecretBindsSessions: a Manager with another Secret, on the same
// store, finds none of the sessions; one with the same Secret finds
// them.
func TestSecretBindsSessions(t *testing.T) {
	t.Parallel()
	stores(t, func(t *testing.T, st session.Store, dump func() string) {
		ctx := context.Background()
		old, err := session.NewManager(st, session.Options{Secret: []byte("operator-token-one-0123456789abcdef")})
		require.NoError(t, err)
		s, err := old.Create(ctx)
		require.NoError(t, err)
		require.NotContains(t, dump(), "operator-token-one")
		same, err := session.NewManager(st, session.Options{Secret: []byte("operator-token-one-0123456789abcdef")})
		require.NoError(t, err)
		_, err = same.Get(ctx, s.ID)
		require.NoError(t, err)
		other, err := session.NewManager(st, session.Options{Secret: []byte("operator-token-two-0123456789abcdef")})
		require.NoError(t, err)
		_, err = other.Get(ctx, s.ID)
		require.ErrorIs(t, err, session.ErrNoSession)
		unkeyed, err := session.NewManager(st, session.Options{})
		require.NoError(t, err)
		_, err = unkeyed.Get(ctx, s.ID)
		require.ErrorIs(t, err, session.ErrNoSession)
	})
}
