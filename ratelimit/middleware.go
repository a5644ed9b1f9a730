package ratelimit

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
)

// MiddlewareOptions configures Middleware. The zero value limits every
// request by client IP address with the "free" tier of DefaultTiers.
type MiddlewareOptions struct {
	// Tiers are the limits per tier (default DefaultTiers()).
	Tiers Tiers
	// Key returns who a request is limited as: a tenant key (from its
	// token, API key...) and the tenant's tier. An empty key limits the
	// request by its client address with IPTier instead. Nil limits every
	// request by client address. Tenant and address keys never collide
	// (they are stored as "t:KEY" and "ip:ADDR").
	Key func(r *http.Request) (key, tier string)
	// DefaultTier is the tier of a tenant whose tier is empty or not in
	// Tiers (default "free"). It must be in Tiers.
	DefaultTier string
	// IPTier is the tier of requests limited by address (default
	// DefaultTier). It must be in Tiers.
	IPTier string
	// TrustedProxies are the proxies whose X-Forwarded-For is believed:
	// when a request comes from one, its client address is the nearest
	// address in X-Forwarded-For that is not a trusted proxy. Empty means
	// X-Forwarded-For is ignored and the address is RemoteAddr. IPv6
	// clients are limited per /64.
	TrustedProxies []netip.Prefix
	// Cost returns what a request costs (default 1). A cost above a
	// limit's burst is a configuration error: such requests get 500.
	Cost func(r *http.Request) int
	// ProblemType is the "type" of the problem+json body of a 429 (default
	// "about:blank").
	ProblemType string
	// Logger receives errors other than Redis outages, which the limiter
	// logs itself (default slog.Default()).
	Logger *slog.Logger
	// HeadersWhenDenied sets the RateLimit headers on denied requests
	// only: for routes whose callers are machines that do not read them
	// (webhook senders), where formatting them on every admitted request
	// is work for no one.
	HeadersWhenDenied bool
}

// Middleware returns HTTP middleware that decides every request with l
// before passing it on: a denied request gets 429 Too Many Requests with
// an RFC 9457 problem+json body and Retry-After (whole seconds, rounded
// up); every decided request, admitted or denied, gets the RateLimit-Policy
// and RateLimit headers (see SetHeaders), unless HeadersWhenDenied. When the limiter fails closed
// without Redis the request gets 503 with Retry-After. It returns an error
// naming the option that is invalid.
func Middleware(l Limiter, opts MiddlewareOptions) (func(http.Handler) http.Handler, error) {
	m, err := newMiddleware(l, opts)
	if err != nil {
		return nil, err
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if m.serve(w, r) {
				next.ServeHTTP(w, r)
			}
		})
	}, nil
}

type middleware struct {
	lim                 Limiter
	opts                MiddlewareOptions
	defaultTier, ipTier []Limit
}

func newMiddleware(l Limiter, opts MiddlewareOptions) (*middleware, error) {
	if l == nil {
		return nil, errors.New("ratelimit: Middleware needs a Limiter, got nil")
	}
	if opts.Tiers == nil {
		opts.Tiers = DefaultTiers()
	}
	if err := opts.Tiers.Validate(); err != nil {
		return nil, inContext("MiddlewareOptions.Tiers", err)
	}
	if opts.DefaultTier == "" {
		opts.DefaultTier = "free"
	}
	if opts.IPTier == "" {
		opts.IPTier = opts.DefaultTier
	}
	m := &middleware{lim: l, defaultTier: opts.Tiers[opts.DefaultTier], ipTier: opts.Tiers[opts.IPTier]}
	if m.defaultTier == nil {
		return nil, fmt.Errorf("ratelimit: MiddlewareOptions.DefaultTier %q is not in Tiers", opts.DefaultTier)
	}
	if m.ipTier == nil {
		return nil, fmt.Errorf("ratelimit: MiddlewareOptions.IPTier %q is not in Tiers", opts.IPTier)
	}
	for _, p := range opts.TrustedProxies {
		if !p.IsValid() {
			return nil, fmt.Errorf("ratelimit: MiddlewareOptions.TrustedProxies: invalid prefix %v", p)
		}
	}
	if opts.ProblemType == "" {
		opts.ProblemType = "about:blank"
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	m.opts = opts
	return m, nil
}

// serve decides r, answers it when it is not admitted, and reports
// whether to pass it on.
func (m *middleware) serve(w http.ResponseWriter, r *http.Request) bool {
	key, limits := m.subject(r)
	cost := 1
	if m.opts.Cost != nil {
		cost = m.opts.Cost(r)
	}
	res, err := m.lim.AllowN(r.Context(), key, cost, limits...)
	switch {
	case err == nil:
	case errors.Is(err, ErrUnavailable):
		setRetryAfter(w.Header(), res.RetryAfter)
		writeProblem(w, problem{Type: m.opts.ProblemType, Title: "Service Unavailable", Status: http.StatusServiceUnavailable,
			Detail: "rate limiting is unavailable; retry later"})
		return false
	case r.Context().Err() != nil:
		return false // the client has gone, or the server's deadline passed
	default:
		m.opts.Logger.ErrorContext(r.Context(), "ratelimit: middleware could not decide", slog.String("key", key), slog.String("error", err.Error()))
		writeProblem(w, problem{Type: m.opts.ProblemType, Title: "Internal Server Error", Status: http.StatusInternalServerError})
		return false
	}
	if res.Allowed {
		if !m.opts.HeadersWhenDenied {
			SetHeaders(w.Header(), limits, res)
		}
		return true
	}
	SetHeaders(w.Header(), limits, res)
	setRetryAfter(w.Header(), res.RetryAfter)
	writeProblem(w, problem{
		Type:   m.opts.ProblemType,
		Title:  "Too Many Requests",
		Status: http.StatusTooManyRequests,
		Detail: fmt.Sprintf("rate limit %q (%s) exceeded; retry in %ds", res.Limit.EffectiveName(), res.Limit, max(ceilSeconds(res.RetryAfter), 1)),
	})
	return false
}

// subject returns the key a request is limited by and its limits.
func (m *middleware) subject(r *http.Request) (string, []Limit) {
	if m.opts.Key != nil {
		if key, tier := m.opts.Key(r); key != "" {
			if limits, ok := m.opts.Tiers[tier]; ok {
				return "t:" + key, limits
			}
			return "t:" + key, m.defaultTier
		}
	}
	return ipKey(clientAddr(r, m.opts.TrustedProxies)), m.ipTier
}
