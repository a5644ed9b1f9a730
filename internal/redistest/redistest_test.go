package redistest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/internal/redistest"
)

// TestPrefixCleansUp: two prefixes differ; the keys of one are gone
// once its test ends, and another test's keys stay.
func TestPrefixCleansUp(t *testing.T) {
	t.Parallel()
	url, keep := redistest.Prefix(t, "redistest-keep")
	opt, err := redis.ParseURL(url)
	require.NoError(t, err)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() { _ = rdb.Close() })
	ctx := context.Background()
	require.NoError(t, rdb.Set(ctx, keep+":k", "v", 0).Err())

	var gone string
	t.Run("inner", func(t *testing.T) {
		_, gone = redistest.Prefix(t, "redistest-gone")
		require.True(t, strings.HasPrefix(gone, "redistest-gone-"))
		require.NotEqual(t, keep, gone)
		require.NoError(t, rdb.Set(ctx, gone+":a", "1", 0).Err())
		require.NoError(t, rdb.Set(ctx, gone+":b:c", "2", 0).Err())
	})
	n, err := rdb.Exists(ctx, gone+":a", gone+":b:c").Result()
	require.NoError(t, err)
	require.Zero(t, n, "the inner test's keys are deleted when it ends")
	n, err = rdb.Exists(ctx, keep+":k").Result()
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
}
