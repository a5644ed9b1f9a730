package main

import (
	"context"
	"errors"
)

// compareRatelimit compares package ratelimit with go-redis/redis_rate.
func compareRatelimit(ctx context.Context, redisURL string) error {
	return errors.New("ratelimit comparison not written yet")
}
