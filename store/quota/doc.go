// Package quota bounds what one tenant may hold in a store: its
// integrations, and the messages waiting in its outbox to be sent, in
// number and in bytes. A service asks before it creates: Checker.Integration
// before it stores a new integration, Checker.Send before it stores a
// message to send, and answers an *ExceededError (errors.Is ErrExceeded)
// with the quota it names, such as HTTP 429.
//
// It works on any store.Store (store/memory, store/postgres, your own):
// it reads the store's counts (CountTenantIntegrations, PendingOutbox)
// and keeps nothing itself.
//
// It is not a rate limiter (package ratelimit bounds requests over
// time) and not a lock: a check and the create that follows are two
// calls, so concurrent creates of one tenant may pass their checks
// together and go beyond a quota by as many as the tenant makes at once.
//
//	q, err := quota.New(st, quota.Limits{Integrations: 100, PendingSends: 1000, PendingSendBytes: 512 << 20})
//	if err := q.Integration(ctx, tenant); errors.Is(err, quota.ErrExceeded) {
//		// refuse, naming err.(*quota.ExceededError).Limit
//	}
package quota
