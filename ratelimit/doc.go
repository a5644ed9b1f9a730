// Package ratelimit limits what a key may do, with limits shared by every
// replica of a service: inbound API requests per tenant, by plan, and
// outbound calls against a provider's quotas (Gmail's quota units,
// Microsoft Graph's requests and concurrent requests per mailbox).
//
// It is not a traffic shaper or a queue: it decides, now, whether a
// request is within its limits, and says when it would be.
//
// # Deciding
//
// A Limit is a rate with a burst: Rate units per Period, at most Burst at
// once. A decision takes a key (what is limited: a tenant, an address, a
// mailbox) and every limit that applies to it, and checks and charges them
// together: all of them, or none when one denies.
//
//	lim, err := ratelimit.NewRedis(rdb, ratelimit.RedisOptions{})
//	...
//	res, err := lim.Allow(ctx, "tenant-42",
//		ratelimit.PerSecond(10).WithBurst(20), ratelimit.PerMinute(300), ratelimit.PerDay(10_000))
//	if !res.Allowed {
//		// res.RetryAfter, res.Limit (the one that denied), res.Remaining
//	}
//
// AllowN charges a cost other than 1; Wait blocks until a request is
// admitted, and fails at once when that would be after its context's
// deadline. Every Limiter (RedisLimiter, MemoryLimiter) decides the same
// way; the ratelimittest package holds the conformance suite both pass.
//
// # The algorithm
//
// Limits are enforced with GCRA, the generic cell rate algorithm: each
// limit of a key keeps one number, its theoretical arrival time (TAT), and
// a request of cost n is admitted when max(TAT, now) + n·T - now is at most
// Burst·T, where T = Period/Rate is the emission interval; the TAT then
// moves on by n·T. It is exact: over any interval of length d a limit
// admits at most Burst + Rate·d/Period units, and a limit saturated with
// requests admits that many, not fewer. Times are integer microseconds;
// T is rounded up to a whole microsecond (so Period/Rate must be at least
// 1µs, and a limit is never looser than it says).
//
// # Redis: one round trip
//
// A RedisLimiter makes each decision with one run of one Lua script
// (EVALSHA; the script is loaded on first use and again after a
// NOSCRIPT), which reads and writes every limit of the decision
// atomically. The script keeps each TAT as an integer of microseconds
// under a key that expires when the TAT is reached, and replies with
// integers only. It reads Redis's clock (TIME), so replicas whose clocks
// disagree still agree on every decision. It needs Redis 5 or later
// (scripts replicated by effects).
//
// Keys are Prefix:{key}:name. The braces make the decision's key a Redis
// Cluster hash tag, so all the limits of a decision live in one slot and
// one script can check them. To limit a tenant and one of its integrations
// in one decision, give the integration's limits names of their own on the
// tenant's key ("integration-7"); limits on unrelated keys (a
// project-wide quota and a per-user one) need two decisions.
//
// Concurrent decisions share round trips: they are written to Redis
// together as one pipeline, so the client and Redis make a few system
// calls per batch instead of per decision. A lone decision is sent at
// once. The limiter runs two goroutines for this (and one more to probe
// Redis during an outage), all stopped by Close.
//
// # The deny cache
//
// A key that Redis denied until some time is denied in-process until then,
// without a round trip, so that a hot abusive key costs Redis nothing.
// Each RedisLimiter has its own cache, bounded by
// RedisOptions.DenyCacheSize. The cache never denies what Redis would
// admit: a TAT only grows (short of a Reset), so a request denied until T
// cannot be admitted before T by any replica, nor can a costlier one
// (cheaper requests still go to Redis); and T is counted from when the
// request was sent, on the local monotonic clock. The exactness bounds above hold with any number
// of replicas and their caches.
//
// # When Redis fails
//
// RedisOptions.FailureMode says what a RedisLimiter decides while Redis is
// unreachable. Failing open (the default of Allow and AllowN, for inbound
// limits) decides with a local MemoryLimiter of the same limits: each
// replica enforces them on its own. Failing closed (the default of Wait,
// for outbound quotas) denies, with an error wrapping ErrUnavailable.
// Either way the Result is marked Degraded, the outage is logged once
// (and the recovery once), and counted in Stats. While it lasts,
// decisions skip Redis, so that no request waits on a dead server; a
// background probe tries Redis every ProbeInterval and ends the outage
// when it answers.
//
// # Tiers and HTTP middleware
//
// Tiers maps a plan ("free", "pro", "enterprise") to its limits; ParseTiers
// reads them from configuration ("free: 5/s burst=10, 100/m; pro: ...").
// Middleware limits every request of an http.Handler by tenant (from a
// function of the request that returns the tenant and its tier) or by
// client address: a denied request gets 429 with an RFC 9457
// problem+json body and Retry-After, and every response the RateLimit-Policy
// and RateLimit header fields of draft-ietf-httpapi-ratelimit-headers-09
// (see SetHeaders).
//
// ClientKey is the key Middleware limits an unauthenticated request by,
// so that a handler can charge it for work the request turned out to
// cost (ids it made up that had to be looked up, say).
//
// # Slow clients
//
// A client can also hurt by being slow: sending its body a byte at a
// time, or not at all, holds a connection, a goroutine and the body read
// so far. Deadlines gives a route's request bodies a deadline (and,
// optionally, a minimum transfer rate that moves it on) and its
// responses a write deadline, per route rather than for the whole
// http.Server, so that routes that must stream at length keep doing so.
//
// # Outbound quotas
//
// A Quota is a limit charged per operation: GmailUserQuota counts Gmail's
// quota units (messages.get 5, history.list 2, messages.send 100 of 6,000
// a minute per user), GraphMailboxQuota Graph's 10,000 requests per 10
// minutes per mailbox. Quota.Wait blocks until the call is within quota.
// Graph's other limit, 4 concurrent requests per mailbox, is a Semaphore:
// a slot is held with a Lease, which a crashed holder cannot keep, since
// it expires unless extended.
//
//	quota := ratelimit.GmailUserQuota()
//	if err := quota.Wait(ctx, lim, user, "messages.get"); err != nil {
//		return err // ctx done, or not before its deadline (*LimitedError)
//	}
//
// # Metrics
//
// Stats returns a limiter's counters (decisions, deny-cache hits, degraded
// decisions, Redis errors, outages) for a metrics system to read; the
// package itself depends on nothing but go-redis.
package ratelimit
