package netguard

import (
	"errors"
	"fmt"
	"net/netip"
)

// Errors a Dialer and CheckHost return, wrapped; test them with
// errors.Is.
var (
	// ErrInternalAddress: the host is, or resolves to, an address that is
	// not public (see PublicAddr). An *AddrError says which.
	ErrInternalAddress = errors.New("netguard: address is not public")
	// ErrUnresolved: the host name did not resolve (the resolver's
	// *net.DNSError is wrapped too).
	ErrUnresolved = errors.New("netguard: host name did not resolve")
	// ErrTooManyConnections: no connection slot of the host or the
	// mailbox came free before the context ended. A *LimitError says
	// which cap.
	ErrTooManyConnections = errors.New("netguard: too many connections")
)

// AddrError is a refused address: errors.Is(err, ErrInternalAddress).
type AddrError struct {
	// Host is the host as given, Addr the address it is or resolved to.
	Host string
	Addr netip.Addr
}

func (e *AddrError) Error() string {
	if e.Host == e.Addr.String() {
		return fmt.Sprintf("netguard: %s is not a public address", e.Host)
	}
	return fmt.Sprintf("netguard: %s resolves to %s, which is not a public address", e.Host, e.Addr)
}

// Is makes an AddrError match ErrInternalAddress.
func (e *AddrError) Is(target error) bool { return target == ErrInternalAddress }

// LimitError is a connection not opened because a cap was full until
// the context ended: errors.Is(err, ErrTooManyConnections), and
// errors.Is(err, context.DeadlineExceeded) (or Canceled) through Err.
type LimitError struct {
	// Cap is "host" or "mailbox"; Key the host's address or the
	// mailbox; Max the cap.
	Cap string
	Key string
	Max int
	// Err is the context's error.
	Err error
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("netguard: too many connections to %s %s (at most %d at once): %v", e.Cap, e.Key, e.Max, e.Err)
}

// Is makes a LimitError match ErrTooManyConnections.
func (e *LimitError) Is(target error) bool { return target == ErrTooManyConnections }

// Unwrap returns the context's error.
func (e *LimitError) Unwrap() error { return e.Err }
