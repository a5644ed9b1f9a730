package server

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/webhook"
)

// The negative cache of custom sources: a miss lasts customMissTTL,
// creating the integration (forget) ends it at once, and the cache
// stays bounded.
func TestVerifierCacheMisses(t *testing.T) {
	t.Parallel()
	c := newVerifierCache(webhook.NewMemoryReplayStore(), 1024, slog.New(slog.DiscardHandler))
	now := time.Unix(1_800_000_000, 0)
	require.False(t, c.missed("a", now))
	c.miss("a", now)
	require.True(t, c.missed("a", now.Add(customMissTTL)))
	require.False(t, c.missed("a", now.Add(customMissTTL+time.Nanosecond)), "a miss expires")

	c.miss("b", now)
	c.forget("b")
	require.False(t, c.missed("b", now), "creating the integration forgets its miss")

	fill := func() {
		clear(c.misses)
		for i := range customMissMax {
			c.miss(fmt.Sprint(i), now)
		}
		require.Len(t, c.misses, customMissMax)
	}
	fill()
	c.miss("late", now.Add(2*customMissTTL))
	require.Len(t, c.misses, 1, "a full cache drops its expired misses")
	require.True(t, c.missed("late", now.Add(2*customMissTTL)))
	fill()
	c.miss("fresh", now)
	require.Len(t, c.misses, 1, "a cache full of live misses starts over")
}
