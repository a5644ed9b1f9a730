// Package replaytest is the contract every webhook.ReplayStore passes,
// like testing/slogtest for slog handlers: call Run from a test of your
// implementation. It is for tests only.
package replaytest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// Run runs the contract as subtests of t. newStore returns the store
// under test; it is called once per subtest, and may return the same
// store each time: every subtest uses keys of its own.
func Run(t *testing.T, newStore func(t *testing.T) webhook.ReplayStore) {
	cases := []struct {
		name string
		fn   func(t *testing.T, s webhook.ReplayStore)
	}{
		{"FirstThenDuplicate", testFirstThenDuplicate},
		{"KeysAreIndependent", testIndependent},
		{"Expires", testExpires},
		{"Forget", testForget},
		{"ForgetUnknownKey", testForgetUnknown},
		{"ConcurrentOneFirst", testConcurrent},
		{"AnyKeyBytes", testKeyBytes},
		{"NonPositiveTTL", testNonPositiveTTL},
		{"CanceledContext", testCanceled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.fn(t, newStore(t))
		})
	}
}

// key returns a key no other test uses.
func key(name string) string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return name + "-" + hex.EncodeToString(b)
}

func testFirstThenDuplicate(t *testing.T, s webhook.ReplayStore) {
	ctx := t.Context()
	k := key("dup")
	first, err := s.Remember(ctx, k, time.Minute)
	require.NoError(t, err)
	require.True(t, first, "first Remember of a key")
	for range 3 {
		first, err = s.Remember(ctx, k, time.Minute)
		require.NoError(t, err)
		require.False(t, first, "Remember of a key remembered a moment ago")
	}
}

func testIndependent(t *testing.T, s webhook.ReplayStore) {
	ctx := t.Context()
	a, b := key("a"), key("b")
	first, err := s.Remember(ctx, a, time.Minute)
	require.NoError(t, err)
	require.True(t, first)
	first, err = s.Remember(ctx, b, time.Minute)
	require.NoError(t, err)
	require.True(t, first, "another key is first too")
}

func testExpires(t *testing.T, s webhook.ReplayStore) {
	ctx := t.Context()
	k := key("exp")
	const ttl = 200 * time.Millisecond
	start := time.Now()
	first, err := s.Remember(ctx, k, ttl)
	require.NoError(t, err)
	require.True(t, first)
	first, err = s.Remember(ctx, k, ttl)
	require.NoError(t, err)
	if time.Since(start) < ttl {
		require.False(t, first, "remembered within its ttl")
	}
	require.Eventually(t, func() bool {
		first, err := s.Remember(ctx, k, time.Minute)
		return err == nil && first
	}, 5*time.Second, 20*time.Millisecond, "a key is first again once its ttl has passed")
	require.GreaterOrEqual(t, time.Since(start), ttl, "a key expired before its ttl")
}

func testForget(t *testing.T, s webhook.ReplayStore) {
	ctx := t.Context()
	k := key("forget")
	first, err := s.Remember(ctx, k, time.Minute)
	require.NoError(t, err)
	require.True(t, first)
	require.NoError(t, s.Forget(ctx, k))
	first, err = s.Remember(ctx, k, time.Minute)
	require.NoError(t, err)
	require.True(t, first, "a forgotten key is first again")
	first, err = s.Remember(ctx, k, time.Minute)
	require.NoError(t, err)
	require.False(t, first, "and remembered again")
}

func testForgetUnknown(t *testing.T, s webhook.ReplayStore) {
	require.NoError(t, s.Forget(t.Context(), key("unknown")))
}

func testConcurrent(t *testing.T, s webhook.ReplayStore) {
	ctx := t.Context()
	k := key("conc")
	var firsts atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for range 32 {
		wg.Go(func() {
			first, err := s.Remember(ctx, k, time.Minute)
			if err != nil {
				errs <- err
				return
			}
			if first {
				firsts.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	require.Equal(t, int32(1), firsts.Load(), "exactly one of concurrent Remembers of a key is first")
}

func testKeyBytes(t *testing.T, s webhook.ReplayStore) {
	ctx := t.Context()
	base := key("bytes")
	for _, suffix := range []string{"", " ", ":", "*", "{tag}", "é✓", "\x00\xff", "a/b/c"} {
		k := base + suffix
		first, err := s.Remember(ctx, k, time.Minute)
		require.NoError(t, err)
		require.True(t, first, "key %q", k)
		first, err = s.Remember(ctx, k, time.Minute)
		require.NoError(t, err)
		require.False(t, first, "key %q", k)
	}
}

func testNonPositiveTTL(t *testing.T, s webhook.ReplayStore) {
	for _, ttl := range []time.Duration{0, -time.Second} {
		_, err := s.Remember(t.Context(), key("ttl"), ttl)
		require.Error(t, err, "ttl %v", ttl)
	}
}

func testCanceled(t *testing.T, s webhook.ReplayStore) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	k := key("canceled")
	_, err := s.Remember(ctx, k, time.Minute)
	require.Error(t, err)
	first, err := s.Remember(t.Context(), k, time.Minute)
	require.NoError(t, err)
	require.True(t, first, "a Remember that failed remembered nothing")
}
