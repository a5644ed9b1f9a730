package gmail

import "context"

// Quota admits API calls under Gmail's per-user quota before they are
// made, so that a busy sync slows down instead of being throttled. It is
// a small interface so that this package does not depend on a limiter:
// package ratelimit's Quota and Limiter (Redis across replicas, or in
// memory) fit it through QuotaFunc:
//
//	q := ratelimit.GmailUserQuota() // costs: history.list 2, messages.get 5, messages.send 100, ...
//	cfg.Quota = gmail.QuotaFunc(func(ctx context.Context, user, method string) error {
//		return q.Wait(ctx, limiter, "gmail:"+user, method)
//	})
type Quota interface {
	// Wait blocks until user may make one call of method, named as in
	// Gmail's API reference and ratelimit.GmailUserQuota
	// ("users.getProfile", "messages.list", "messages.get",
	// "messages.send", "history.list", "threads.get", "users.watch",
	// "users.stop", "labels.list", "labels.get", "messages.modify",
	// "messages.batchModify", "messages.trash"), and charges it. An error (ctx done, or no room
	// before ctx's deadline) fails the call as connector.ErrRateLimited.
	Wait(ctx context.Context, user, method string) error
}

// QuotaFunc adapts a function to a Quota.
type QuotaFunc func(ctx context.Context, user, method string) error

// Wait calls f.
func (f QuotaFunc) Wait(ctx context.Context, user, method string) error { return f(ctx, user, method) }
