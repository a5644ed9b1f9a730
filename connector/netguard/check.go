package netguard

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// lookupTimeout bounds the name resolution of CheckHost and of a dial
// whose context has no earlier deadline.
const lookupTimeout = 5 * time.Second

// CheckHost returns nil when host (a name or an IP address) may be
// connected to: an address that is public (see PublicAddr), or a name
// all of whose addresses are. Otherwise it returns an *AddrError
// (ErrInternalAddress), or an ErrUnresolved error when the name does not
// resolve. r looks names up; nil means net.DefaultResolver. The lookup
// is bounded by ctx and 5 seconds.
//
// Use it to refuse a host when it is given; a Dialer checks again when
// it connects, since the name may resolve differently by then.
func CheckHost(ctx context.Context, r *net.Resolver, host string) error {
	_, err := resolve(ctx, r, host, false)
	return err
}

// resolve returns host's addresses: the address itself, or those its
// name resolves to. Unless allowPrivate, any non-public address is an
// *AddrError.
func resolve(ctx context.Context, r *net.Resolver, host string, allowPrivate bool) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		if !allowPrivate && !PublicAddr(a) {
			return nil, &AddrError{Host: host, Addr: a}
		}
		return []netip.Addr{a.Unmap()}, nil
	}
	if r == nil {
		r = net.DefaultResolver
	}
	lctx, cancel := context.WithTimeout(ctx, lookupTimeout)
	defer cancel()
	addrs, err := r.LookupNetIP(lctx, "ip", host)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("netguard: resolving %s: %w", host, ctx.Err())
		}
		return nil, fmt.Errorf("%w: %w", ErrUnresolved, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("%w: %w", ErrUnresolved, &net.DNSError{Err: "no address", Name: host, IsNotFound: true})
	}
	for i, a := range addrs {
		if !allowPrivate && !PublicAddr(a) {
			return nil, &AddrError{Host: host, Addr: a}
		}
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}
