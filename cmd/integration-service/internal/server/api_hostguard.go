package server

import (
	"context"
	"errors"
	"net"
	"net/netip"

	"github.com/ucsp/integration/connector/netguard"
)

// endpoint is a server an integration's config names: its JSON path (for
// errors), host and security setting.
type endpoint struct {
	field    string // "config.imap"
	host     string
	security string
}

// hostGuard keeps tenants from pointing the server at internal services:
// unless the operator allows it, a mail server may not use plaintext
// ("security": "none") nor resolve to a loopback, private, link-local or
// otherwise non-public address (netguard.PublicAddr).
type hostGuard struct {
	allowPrivate   bool
	allowPlaintext bool
	// resolver looks host names up; nil means net.DefaultResolver.
	resolver *net.Resolver
}

// check returns one field error per endpoint that is refused.
func (g *hostGuard) check(ctx context.Context, eps []endpoint) []fieldError {
	var errs []fieldError
	for _, ep := range eps {
		if ep.security == "none" && !g.allowPlaintext {
			errs = append(errs, fieldError{Field: ep.field + ".security", Message: `"none" (plaintext) is not allowed on this server`})
		}
		if g.allowPrivate || ep.host == "" {
			continue
		}
		if msg := g.refuse(ctx, ep.host); msg != "" {
			errs = append(errs, fieldError{Field: ep.field + ".host", Message: msg})
		}
	}
	return errs
}

// refuse says why host may not be connected to, or "" if it may.
func (g *hostGuard) refuse(ctx context.Context, host string) string {
	err := netguard.CheckHost(ctx, g.resolver, host)
	_, literal := netip.ParseAddr(host)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, netguard.ErrInternalAddress) && literal == nil:
		return "is not a public address; this server does not connect to internal networks"
	case errors.Is(err, netguard.ErrInternalAddress):
		return "resolves to a non-public address; this server does not connect to internal networks"
	}
	return "could not be resolved"
}
