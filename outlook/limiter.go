package outlook

import "context"

// Limiter admits each Graph request for a mailbox before it is sent. It
// is a small interface so that this package does not depend on a
// limiter: package ratelimit's Quota (Graph's 10,000 requests per 10
// minutes) and Semaphore (4 concurrent requests, shared by every
// replica through Redis) fit it through LimiterFunc:
//
//	quota, sem := ratelimit.GraphMailboxQuota(), ratelimit.NewRedisSemaphore(rdb, ratelimit.SemaphoreOptions{})
//	cfg.Limiter = outlook.LimiterFunc(func(ctx context.Context, mailbox string) (func(), error) {
//		key := "graph:" + mailbox
//		if err := quota.Wait(ctx, limiter, key, "request"); err != nil {
//			return nil, err
//		}
//		lease, err := sem.Acquire(ctx, key, ratelimit.GraphMailboxConcurrency)
//		if err != nil {
//			return nil, err
//		}
//		return func() { _ = lease.Release(context.WithoutCancel(ctx)) }, nil
//	})
//
// Every HTTP request counts, retries included; a slot is held until the
// response body is closed. Independently of it, a Connector never has
// more than Config.MaxConcurrency requests in flight.
type Limiter interface {
	// Acquire blocks until one more request for mailbox may start and
	// returns the function that ends it. An error (ctx done, no room
	// before ctx's deadline, the limiter's store down) fails the request
	// as connector.ErrRateLimited.
	Acquire(ctx context.Context, mailbox string) (release func(), err error)
}

// LimiterFunc adapts a function to a Limiter.
type LimiterFunc func(ctx context.Context, mailbox string) (release func(), err error)

// Acquire calls f.
func (f LimiterFunc) Acquire(ctx context.Context, mailbox string) (func(), error) {
	return f(ctx, mailbox)
}

// semaphore is the connector's own bound on requests in flight.
type semaphore chan struct{}

func (s semaphore) acquire(ctx context.Context) error {
	select {
	case s <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s semaphore) release() { <-s }
