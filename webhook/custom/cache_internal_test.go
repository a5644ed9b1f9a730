package custom

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestCacheMisses: the negative cache of custom sources: a miss lasts
// missTTL,
// creating the integration (forget) ends it at once, and the cache
// stays bounded.
func TestCacheMisses(t *testing.T) {
	t.Parallel()
	c := newCache()
	now := time.Unix(1_800_000_000, 0)
	require.False(t, c.missed("a", now))
	c.miss("a", now)
	require.True(t, c.missed("a", now.Add(missTTL)))
	require.False(t, c.missed("a", now.Add(missTTL+time.Nanosecond)), "a miss expires")

	c.miss("b", now)
	c.forget("b")
	require.False(t, c.missed("b", now), "creating the integration forgets its miss")

	fill := func() {
		clear(c.misses)
		for i := range missMax {
			c.miss(fmt.Sprint(i), now)
		}
		require.Len(t, c.misses, missMax)
	}
	fill()
	c.miss("late", now.Add(2*missTTL))
	require.Len(t, c.misses, 1, "a full cache drops its expired misses")
	require.True(t, c.missed("late", now.Add(2*missTTL)))
	fill()
	c.miss("fresh", now)
	require.Len(t, c.misses, 1, "a cache full of live misses starts over")
}
