package ratelimit

// Stats are a limiter's counters since it was made, for metrics: wire
// them to Prometheus counters (CounterFunc) or log them. Every count only
// grows.
type Stats struct {
	// Allowed and Denied count decisions, whoever made them.
	Allowed, Denied uint64
	// DenyCacheHits counts denials answered from the RedisLimiter's deny
	// cache, without a round trip (a part of Denied).
	DenyCacheHits uint64
	// Degraded counts decisions made without Redis: by the local fallback
	// (fail-open) or as denials (fail-closed).
	Degraded uint64
	// RedisErrors counts failed Redis round trips.
	RedisErrors uint64
	// Outages counts the times Redis became unavailable. Each is logged
	// once, as is the recovery.
	Outages uint64
	// Unavailable reports that Redis is currently considered down.
	Unavailable bool
}
