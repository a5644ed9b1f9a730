package ratelimit

import (
	"context"
	"time"
)

// waitLoop is Wait for both limiters: decide, and sleep for RetryAfter
// until admitted, never past ctx's deadline.
func waitLoop(ctx context.Context, key string, allow func() (Result, error), sleep func(context.Context, time.Duration) error) error {
	for {
		res, err := allow()
		if err != nil {
			return err
		}
		if res.Allowed {
			return nil
		}
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < res.RetryAfter {
			return &LimitedError{Key: key, Limit: res.Limit, RetryAfter: res.RetryAfter}
		}
		if err := sleep(ctx, res.RetryAfter); err != nil {
			return err
		}
	}
}

// sleepCtx sleeps for d on the system clock, or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
