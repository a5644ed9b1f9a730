// Package redistest gives a test a Redis key prefix of its own on the
// shared test Redis (TEST_REDIS_URL), whose keys are deleted when the
// test ends: tests share one Redis and never FLUSHDB.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/ucsp/integration/internal/testenv"
)

// Prefix returns TEST_REDIS_URL (skipping t, or failing it under
// REQUIRE_SERVICES=1, when it is unset) and a new prefix, name followed
// by random hex; every key matching prefix:* is deleted when t ends.
func Prefix(t testing.TB, name string) (url, prefix string) {
	t.Helper()
	url = testenv.RedisURL(t)
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatalf("redistest: %s: %v", testenv.RedisURLVar, err)
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix = name + "-" + hex.EncodeToString(b[:])
	t.Cleanup(func() {
		rdb := redis.NewClient(opt)
		defer func() { _ = rdb.Close() }()
		ctx := context.Background()
		iter := rdb.Scan(ctx, 0, prefix+":*", 500).Iterator()
		for iter.Next(ctx) {
			_ = rdb.Del(ctx, iter.Val()).Err()
		}
		if err := iter.Err(); err != nil {
			t.Errorf("redistest: deleting the keys of %s: %v", prefix, err)
		}
	})
	return url, prefix
}
