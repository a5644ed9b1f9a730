package netguard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"
)

// Defaults of DialerOptions.
const (
	DefaultKeepAlive   = 30 * time.Second
	DefaultExtendEvery = 10 * time.Second
)

// DialerOptions configures a Dialer. The zero value is a dialer that
// refuses non-public addresses and caps nothing.
type DialerOptions struct {
	// AllowPrivate lets connections reach any address, loopback and
	// private ones included (tests, or a deployment whose tenants are
	// trusted). The caps still apply.
	AllowPrivate bool
	// Resolver looks host names up; nil means net.DefaultResolver.
	Resolver *net.Resolver
	// KeepAlive is the TCP keep-alive period (default DefaultKeepAlive).
	KeepAlive time.Duration

	// Semaphore holds the connection slots; required when a cap is set.
	Semaphore Semaphore
	// KeyPrefix starts every key the Dialer takes slots of ("mail:"):
	// KeyPrefix + "host:" + the IP address dialled, and KeyPrefix +
	// "mailbox:" + the mailbox given to Mailbox.
	KeyPrefix string
	// MaxPerHost is the most connections open at once to one remote IP
	// address, whatever the port or the name it was reached by; 0 means
	// no cap.
	MaxPerHost int
	// MaxPerMailbox is the most connections open at once with one
	// mailbox (those dialled through Mailbox with the same key); 0 means
	// no cap.
	MaxPerMailbox int
	// ExtendEvery is how often an open connection's leases are extended
	// (default DefaultExtendEvery). It must be well under the
	// semaphore's lease time, or a long-lived connection (an IMAP IDLE)
	// loses its slot to another.
	ExtendEvery time.Duration

	// Logger is told when a lease cannot be extended or released; nil
	// means slog.Default().
	Logger *slog.Logger
}

// Dialer opens TCP connections to public addresses only (unless
// AllowPrivate), within its caps. Its DialContext and the functions
// Mailbox returns have the signature of net.Dialer.DialContext, the
// DialContext of imap.Config and smtp.Config. It is safe for concurrent
// use.
type Dialer struct {
	opts DialerOptions
	nd   net.Dialer
}

// NewDialer returns a Dialer, or an error naming the option that is
// invalid.
func NewDialer(opts DialerOptions) (*Dialer, error) {
	switch {
	case opts.MaxPerHost < 0:
		return nil, fmt.Errorf("netguard: DialerOptions.MaxPerHost must not be negative, got %d", opts.MaxPerHost)
	case opts.MaxPerMailbox < 0:
		return nil, fmt.Errorf("netguard: DialerOptions.MaxPerMailbox must not be negative, got %d", opts.MaxPerMailbox)
	case (opts.MaxPerHost > 0 || opts.MaxPerMailbox > 0) && opts.Semaphore == nil:
		return nil, errors.New("netguard: DialerOptions.Semaphore is required with MaxPerHost or MaxPerMailbox")
	case opts.ExtendEvery < 0:
		return nil, fmt.Errorf("netguard: DialerOptions.ExtendEvery must not be negative, got %v", opts.ExtendEvery)
	case opts.KeepAlive < 0:
		return nil, fmt.Errorf("netguard: DialerOptions.KeepAlive must not be negative, got %v", opts.KeepAlive)
	}
	if opts.KeepAlive == 0 {
		opts.KeepAlive = DefaultKeepAlive
	}
	if opts.ExtendEvery == 0 {
		opts.ExtendEvery = DefaultExtendEvery
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	d := &Dialer{opts: opts}
	d.nd = net.Dialer{KeepAlive: opts.KeepAlive}
	if !opts.AllowPrivate {
		// The addresses dialled are checked already; this holds should a
		// change ever let a name through to the dialer.
		d.nd.ControlContext = func(_ context.Context, _, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !PublicAddr(ap.Addr()) {
				return &AddrError{Host: address, Addr: ap.Addr()}
			}
			return nil
		}
	}
	return d, nil
}

// DialContext connects to address ("host:port") on network ("tcp",
// "tcp4" or "tcp6"): it resolves the host, refuses it if any of its
// addresses is not public (unless AllowPrivate), takes a slot of the
// host's cap for the address it connects to, and returns a connection
// whose Close gives the slot back. Errors: ErrUnresolved (wrapping the
// resolver's), ErrInternalAddress (*AddrError), ErrTooManyConnections
// (*LimitError), or the dial's *net.OpError.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	return d.dial(ctx, network, address, "")
}

// Mailbox returns a DialContext for the connections to one mailbox:
// DialContext's, and also within the mailbox's cap. mailbox is any key
// that names the account at its server ("alice@imap.example.com");
// connections dialled with equal keys share the cap. An empty key caps
// nothing more than DialContext.
func (d *Dialer) Mailbox(mailbox string) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		return d.dial(ctx, network, address, mailbox)
	}
}

func (d *Dialer) dial(ctx context.Context, network, address, mailbox string) (net.Conn, error) {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return nil, fmt.Errorf("netguard: dial %s: network %q is not TCP", address, network)
	}
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("netguard: dial %s: %w", address, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("netguard: dial %s: port %q is not a number", address, portText)
	}
	addrs, err := resolve(ctx, d.opts.Resolver, host, d.opts.AllowPrivate)
	if err != nil {
		return nil, err
	}
	var held []Lease
	if mailbox != "" && d.opts.MaxPerMailbox > 0 {
		l, err := d.acquire(ctx, "mailbox", mailbox, d.opts.MaxPerMailbox)
		if err != nil {
			return nil, err
		}
		held = append(held, l)
	}
	var firstErr error
	for _, a := range addrs {
		if (network == "tcp4" && !a.Is4()) || (network == "tcp6" && !a.Is6()) {
			continue
		}
		c, err := d.dialAddr(ctx, network, netip.AddrPortFrom(a, uint16(port)), held)
		if err == nil {
			return c, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil || errors.Is(err, ErrTooManyConnections) {
			break
		}
	}
	d.release(held)
	if firstErr == nil {
		firstErr = fmt.Errorf("netguard: dial %s: no %s address", address, network)
	}
	return nil, firstErr
}

// dialAddr connects to ap within the host's cap; held are the leases
// taken already, given to the connection with the host's.
func (d *Dialer) dialAddr(ctx context.Context, network string, ap netip.AddrPort, held []Lease) (net.Conn, error) {
	leases := held
	if d.opts.MaxPerHost > 0 {
		l, err := d.acquire(ctx, "host", ap.Addr().String(), d.opts.MaxPerHost)
		if err != nil {
			return nil, err
		}
		leases = append(leases[:len(leases):len(leases)], l)
	}
	c, err := d.nd.DialContext(ctx, network, ap.String())
	if err != nil {
		d.release(leases[len(held):])
		return nil, err
	}
	if len(leases) == 0 {
		return c, nil
	}
	return newLeasedConn(c, leases, d), nil
}

// acquire takes a slot of cap's key.
func (d *Dialer) acquire(ctx context.Context, capName, key string, slots int) (Lease, error) {
	l, err := d.opts.Semaphore.Acquire(ctx, d.opts.KeyPrefix+capName+":"+key, slots)
	if err != nil {
		if ctx.Err() != nil {
			return nil, &LimitError{Cap: capName, Key: key, Max: slots, Err: ctx.Err()}
		}
		return nil, fmt.Errorf("netguard: taking a connection slot of %s %s: %w", capName, key, err)
	}
	return l, nil
}

// release gives leases back, on a context of its own: the dial's may be
// why they are given back.
func (d *Dialer) release(leases []Lease) {
	if len(leases) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, l := range leases {
		if err := l.Release(ctx); err != nil {
			d.opts.Logger.Debug("netguard: releasing a connection slot failed; it expires on its own", "error", err)
		}
	}
}
