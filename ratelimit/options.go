package ratelimit

import (
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// FailureMode is what a RedisLimiter decides while Redis is unreachable.
type FailureMode int

const (
	// FailDefault is the zero value: fail open in Allow and AllowN (the
	// calls of inbound limiting, where refusing every request during an
	// outage would be the outage) and closed in Wait (the call of
	// outbound quotas, where exceeding a provider's quota gets the
	// integration throttled or banned).
	FailDefault FailureMode = iota
	// FailOpen decides with a local MemoryLimiter of the same limits:
	// each replica enforces them on its own, so together the replicas
	// admit up to their number times the limit. Results are Degraded.
	FailOpen
	// FailClosed denies: the Result is a Degraded denial whose
	// RetryAfter is the time to the next attempt to reach Redis, and the
	// error wraps ErrUnavailable.
	FailClosed
)

// String names the mode.
func (m FailureMode) String() string {
	switch m {
	case FailDefault:
		return "default"
	case FailOpen:
		return "open"
	case FailClosed:
		return "closed"
	}
	return fmt.Sprintf("FailureMode(%d)", int(m))
}

// Defaults of RedisOptions.
const (
	DefaultPrefix        = "ratelimit"
	DefaultProbeInterval = time.Second
)

// RedisOptions configures a RedisLimiter. The zero value is valid and
// means the documented defaults.
type RedisOptions struct {
	// Prefix starts every key (default DefaultPrefix). A limit's key is
	// Prefix:{key}:name: the braces make the decision's key the hash tag,
	// so that all the limits of a decision live in one Redis Cluster slot
	// and one script can check them. Prefix must not contain '{' or '}'.
	Prefix string
	// FailureMode is what is decided while Redis is unreachable (default
	// FailDefault).
	FailureMode FailureMode
	// DenyCacheSize is how many denied keys the limiter remembers, to deny
	// them again in-process until their retry time (default
	// DefaultDenyCacheSize). -1 turns the cache off.
	DenyCacheSize int
	// ProbeInterval is, during an outage, how often a background probe
	// tries Redis again (default DefaultProbeInterval). Until one answers,
	// decisions skip Redis: an outage does not cost requests a timeout.
	ProbeInterval time.Duration
	// Fallback configures the local limiter that decides when failing
	// open.
	Fallback MemoryOptions
	// Logger receives one warning when Redis becomes unreachable and one
	// message when it is back (default slog.Default()).
	Logger *slog.Logger
}

// withDefaults validates o and fills in its defaults.
func (o RedisOptions) withDefaults() (RedisOptions, error) {
	switch {
	case strings.ContainsAny(o.Prefix, "{}"):
		return o, fmt.Errorf("ratelimit: RedisOptions.Prefix %q must not contain '{' or '}'", o.Prefix)
	case o.FailureMode < FailDefault || o.FailureMode > FailClosed:
		return o, fmt.Errorf("ratelimit: RedisOptions.FailureMode %d is not FailDefault, FailOpen or FailClosed", int(o.FailureMode))
	case o.DenyCacheSize < -1:
		return o, fmt.Errorf("ratelimit: RedisOptions.DenyCacheSize must be -1 (off), 0 (default) or positive, got %d", o.DenyCacheSize)
	case o.ProbeInterval < 0:
		return o, fmt.Errorf("ratelimit: RedisOptions.ProbeInterval must not be negative, got %v", o.ProbeInterval)
	}
	fallback, err := o.Fallback.withDefaults("RedisOptions.Fallback")
	if err != nil {
		return o, err
	}
	o.Fallback = fallback
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if o.DenyCacheSize == 0 {
		o.DenyCacheSize = DefaultDenyCacheSize
	}
	if o.ProbeInterval == 0 {
		o.ProbeInterval = DefaultProbeInterval
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}
