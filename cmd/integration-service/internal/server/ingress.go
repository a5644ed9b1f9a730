package server

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/ucsp/integration/ratelimit"
	"github.com/ucsp/integration/store"
)

// ingress guards the routes from slow and abusive clients: the
// deadlines of bodies and answers (per route group, not server-wide, so
// that a route that must stream at length is simply left out of them),
// and the rate limits of the routes anyone may call.
type ingress struct {
	// bodyDeadline gives the bodies of the authenticated routes (API,
	// dashboard) their deadline.
	bodyDeadline func(http.Handler) http.Handler
	// public guards the unauthenticated routes (webhooks, OAuth
	// callbacks): body and answer deadlines, then the limit per client
	// address.
	public []func(http.Handler) http.Handler
	// perTarget limits the deliveries to one custom source, whoever
	// sends them (before their signature is checked: it bounds the work
	// a crowd of clients can make one source cost).
	perTarget func(http.Handler) http.Handler

	limiter      ratelimit.Limiter
	clientLimits []ratelimit.Limit
	trusted      []netip.Prefix
	// maxCharge is the most one charge may cost: the smallest burst of
	// clientLimits (a larger cost could never be admitted).
	maxCharge int
	logger    *slog.Logger
}

// newIngress builds the guards of cfg.Ingress on lim.
func newIngress(cfg *Config, lim ratelimit.Limiter, logger *slog.Logger) (*ingress, error) {
	ic := cfg.Ingress
	g := &ingress{limiter: lim, clientLimits: ic.ClientLimits, trusted: cfg.TrustedProxies, maxCharge: math.MaxInt, logger: logger}
	for _, l := range ic.ClientLimits {
		g.maxCharge = min(g.maxCharge, l.EffectiveBurst())
	}
	var err error
	if g.bodyDeadline, err = ratelimit.Deadlines(ratelimit.DeadlineOptions{BodyTimeout: ic.BodyReadTimeout, MinBodyRate: ic.BodyMinRate}); err != nil {
		return nil, err
	}
	publicDeadlines, err := ratelimit.Deadlines(ratelimit.DeadlineOptions{
		BodyTimeout: ic.BodyReadTimeout, MinBodyRate: ic.BodyMinRate, WriteTimeout: ic.WriteTimeout,
	})
	if err != nil {
		return nil, err
	}
	perClient, err := ratelimit.Middleware(lim, ratelimit.MiddlewareOptions{
		Tiers:          ratelimit.Tiers{"client": ic.ClientLimits},
		DefaultTier:    "client",
		TrustedProxies: cfg.TrustedProxies,
		ProblemType:    probRateLimited,
		Logger:         logger,
		// Webhook senders (Google, Microsoft, sources' code) do not read
		// RateLimit headers; a 429 still carries them.
		HeadersWhenDenied: true,
	})
	if err != nil {
		return nil, fmt.Errorf("WEBHOOK_RATE_LIMIT_CLIENT: %w", err)
	}
	g.public = []func(http.Handler) http.Handler{publicDeadlines, perClient}
	g.perTarget, err = ratelimit.Middleware(lim, ratelimit.MiddlewareOptions{
		Tiers:             ratelimit.Tiers{"target": ic.TargetLimits},
		DefaultTier:       "target",
		Key:               customTargetKey,
		ProblemType:       probRateLimited,
		Logger:            logger,
		HeadersWhenDenied: true,
	})
	if err != nil {
		return nil, fmt.Errorf("WEBHOOK_RATE_LIMIT_TARGET: %w", err)
	}
	return g, nil
}

// customTargetKey limits a custom-source delivery by the source it
// names; ids no integration can have share one key.
func customTargetKey(r *http.Request) (string, string) {
	id := chi.URLParam(r, "integrationId")
	if !store.ValidID(id) {
		id = "-"
	}
	return "custom-source:" + id, "target"
}

// chargeUnknown charges r's client for the unknown ids (custom sources,
// Graph subscriptions) its request named, n of them, each the cost of a
// request: a client making ids up runs out of its limit sooner. It
// reports whether the request may go on; when not, it has answered 429.
// A limiter that fails lets the request go on (the request itself was
// admitted).
func (g *ingress) chargeUnknown(w http.ResponseWriter, r *http.Request, n int) bool {
	if n <= 0 {
		return true
	}
	res, err := g.limiter.AllowN(r.Context(), ratelimit.ClientKey(r, g.trusted), min(n, g.maxCharge), g.clientLimits...)
	switch {
	case err != nil && !errors.Is(err, ratelimit.ErrUnavailable):
		if r.Context().Err() == nil {
			g.logger.WarnContext(r.Context(), "charging unknown ids to a client failed", slog.String("error", err.Error()))
		}
		return true
	case err != nil || res.Allowed:
		return true
	}
	ratelimit.SetHeaders(w.Header(), g.clientLimits, res)
	retry := max(1, int(math.Ceil(res.RetryAfter.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(retry))
	writeProblem(w, r, http.StatusTooManyRequests, probRateLimited,
		fmt.Sprintf("too many requests naming unknown ids from this client; retry in %ds", retry))
	return false
}
