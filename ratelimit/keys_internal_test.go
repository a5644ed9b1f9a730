package ratelimit

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hashTag is the part of a key Redis Cluster hashes: what is between the
// first '{' and the next '}', when that is not empty, else the whole key.
func hashTag(key string) string {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return key
	}
	end := strings.IndexByte(key[open+1:], '}')
	if end <= 0 {
		return key
	}
	return key[open+1 : open+1+end]
}

// TestKeysOfADecisionShareASlot checks that the keys of every limit of a
// decision (and of the key's semaphore) have one hash tag, whatever the
// key holds, and that distinct keys stay distinct.
func TestKeysOfADecisionShareASlot(t *testing.T) {
	t.Parallel()
	seen := map[string]string{}
	for _, key := range []string{"t:acme", "ip:2001:db8::/64", "}", "{", "{}", "}}", "a}b", "a%7Db", "%", "%25", "}abc{", "{x}y"} {
		tag := hashTag(redisKey("rl:", key, "1s"))
		require.NotEmpty(t, tag)
		for _, part := range []string{"1m", "1d", "a-much-longer-name", "concurrency"} {
			require.Equal(t, tag, hashTag(redisKey("rl:", key, part)), "key %q", key)
		}
		k := redisKey("rl:", key, "1s")
		require.Empty(t, seen[k], "keys %q and %q collide", key, seen[k])
		seen[k] = key
	}
	require.Equal(t, "rl:{t:acme}:1s", redisKey("rl:", "t:acme", "1s"))
}
