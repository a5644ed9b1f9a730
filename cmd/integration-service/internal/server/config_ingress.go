package server

import (
	"strings"
	"time"

	"github.com/ucsp/integration/ratelimit"
)

// IngressConfig bounds what anyone who reaches the server can make it
// hold or do: how long request bodies and answers may take, and how
// often the unauthenticated routes (webhooks, OAuth callbacks) serve one
// client and one custom source.
type IngressConfig struct {
	// BodyReadTimeout (BODY_READ_TIMEOUT, default 10s) is how long a
	// request body may take to arrive, counted from the end of its
	// headers; BodyMinRate (BODY_MIN_RATE, bytes a second, default
	// 65536; 0 for none) moves that deadline on by a second per
	// BodyMinRate bytes received, so that a large body (a send with
	// attachments) sent at least that fast is never cut. A body that
	// misses its deadline gets 408 and its connection is closed.
	BodyReadTimeout time.Duration
	BodyMinRate     int64
	// WriteTimeout (WEBHOOK_WRITE_TIMEOUT, default 30s) bounds the
	// handling and answer of an unauthenticated request.
	WriteTimeout time.Duration
	// ClientLimits (WEBHOOK_RATE_LIMIT_CLIENT, default 1000/s
	// burst=2000) limit the unauthenticated routes per client address
	// (TRUSTED_PROXIES applies); every unknown custom source id or Graph
	// subscription a request names costs one request more.
	// TargetLimits (WEBHOOK_RATE_LIMIT_TARGET, default 1000/s
	// burst=2000) limit the deliveries to one custom source.
	ClientLimits, TargetLimits []ratelimit.Limit
}

// loadIngress reads the IngressConfig.
func (c *Config) loadIngress(e *envReader) {
	c.Ingress.BodyReadTimeout = e.duration("BODY_READ_TIMEOUT", 10*time.Second)
	c.Ingress.BodyMinRate = int64(e.int("BODY_MIN_RATE", 64<<10, 0, 1<<30))
	c.Ingress.WriteTimeout = e.duration("WEBHOOK_WRITE_TIMEOUT", 30*time.Second)
	c.Ingress.ClientLimits = limitList(e, "WEBHOOK_RATE_LIMIT_CLIENT", "1000/s burst=2000", "client-")
	c.Ingress.TargetLimits = limitList(e, "WEBHOOK_RATE_LIMIT_TARGET", "1000/s burst=2000", "target-")
}

// limitList reads name as comma-separated limits ("100/s burst=200,
// 3000/m"), each renamed with prefix, so that they have keys of their
// own beside the API's tiers.
func limitList(e *envReader, name, def, prefix string) []ratelimit.Limit {
	v := e.str(name, def)
	var limits []ratelimit.Limit
	for part := range strings.SplitSeq(v, ",") {
		l, err := ratelimit.ParseLimit(part)
		if err != nil {
			e.fail(name, "%q is not a list of limits such as 100/s burst=200, 3000/m: %v", v, err)
			return nil
		}
		limits = append(limits, l.Named(prefix+l.EffectiveName()))
	}
	if err := (ratelimit.Tiers{name: limits}).Validate(); err != nil {
		e.fail(name, "%v", err)
		return nil
	}
	return limits
}
