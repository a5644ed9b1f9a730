package gmail

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/retry"
)

// retryPolicy says which failures a call retries.
type retryPolicy uint8

const (
	// retryAll retries throttling and temporary failures: right for
	// reads, which can be repeated.
	retryAll retryPolicy = iota
	// retryThrottled retries only throttling, where Google refused the
	// call before doing it: right for messages.send, whose outcome after a
	// 5xx or a broken connection is unknown (the caller checks FindSent
	// before sending again).
	retryThrottled
)

// call runs fn, one Gmail API call of method ("messages.get"), under the
// quota and with retries: throttling (429, 403 rate-limit reasons) and,
// with retryAll, temporary failures (5xx, network) are retried up to
// Config.MaxRetries times after an exponential backoff with jitter,
// never shorter than the server's Retry-After and never past ctx's
// deadline. The error returned is classified (see classify).
func (c *Connector) call(ctx context.Context, method string, policy retryPolicy, fn func(ctx context.Context) error) error {
	op := "gmail: " + method
	for attempt := 0; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", op, err)
		}
		if c.cfg.Quota != nil {
			if err := c.cfg.Quota.Wait(ctx, c.cfg.Email, method); err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("%s: %w", op, ctx.Err())
				}
				return connector.RateLimitedError(op, 0, fmt.Errorf("quota: %w", err))
			}
		}
		err := classify(op, fn(ctx))
		if err == nil || attempt >= c.cfg.MaxRetries || !retries(policy, err) {
			return err
		}
		wait := c.backoff(attempt, connector.RetryAfter(err))
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return err
		}
		c.log.DebugContext(ctx, "gmail: retrying", "method", method, "attempt", attempt+1, "wait", wait, "error", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("%s: %w (while backing off after: %w)", op, ctx.Err(), err)
		case <-t.C:
		}
	}
}

func retries(p retryPolicy, err error) bool {
	if errors.Is(err, connector.ErrRateLimited) {
		return true
	}
	return p == retryAll && errors.Is(err, connector.ErrTemporary)
}

// backoff returns the wait before retry attempt+1: the module's
// backoff (retry.Backoff) from RetryBase, doubling per attempt, at most
// RetryMax, with "equal jitter" (half fixed, half random) so that
// clients throttled together do not retry together; at least the
// server's Retry-After.
func (c *Connector) backoff(attempt int, retryAfter time.Duration) time.Duration {
	d := retry.Backoff{Base: c.cfg.RetryBase, Max: c.cfg.RetryMax}.Delay(attempt + 1)
	return max(d, retryAfter)
}
