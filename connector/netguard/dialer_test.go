package netguard_test

import (
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector/netguard"
)

// countingSem is a Semaphore of one process that records what happens
// to its leases.
type countingSem struct {
	mu       sync.Mutex
	held     map[string]int
	peak     map[string]int
	extended int
	released int
	freed    chan struct{} // signalled on each release
}

func newCountingSem() *countingSem {
	return &countingSem{held: map[string]int{}, peak: map[string]int{}, freed: make(chan struct{}, 100)}
}

func (s *countingSem) Acquire(ctx context.Context, key string, slots int) (netguard.Lease, error) {
	for {
		s.mu.Lock()
		if s.held[key] < slots {
			s.held[key]++
			s.peak[key] = max(s.peak[key], s.held[key])
			s.mu.Unlock()
			return &countingLease{s: s, key: key}, nil
		}
		s.mu.Unlock()
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-s.freed:
		}
	}
}

func (s *countingSem) count(key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[key]
}

type countingLease struct {
	s    *countingSem
	key  string
	done bool
}

func (l *countingLease) Release(context.Context) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	if l.done {
		return nil
	}
	l.done = true
	l.s.held[l.key]--
	l.s.released++
	select {
	case l.s.freed <- struct{}{}:
	default:
	}
	return nil
}

func (l *countingLease) Extend(context.Context) error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.extended++
	return nil
}

// listen returns the address of a listener that accepts and holds
// connections until the test ends.
func listen(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return ln.Addr().String()
}

func TestDialerRefusesInternalAddresses(t *testing.T) {
	t.Parallel()
	addr := listen(t)
	_, port, _ := net.SplitHostPort(addr)
	d, err := netguard.NewDialer(netguard.DialerOptions{Resolver: noDNS})
	require.NoError(t, err)
	for _, a := range []string{addr, net.JoinHostPort("localhost", port), net.JoinHostPort("::ffff:127.0.0.1", port)} {
		c, err := d.DialContext(t.Context(), "tcp", a)
		if c != nil {
			_ = c.Close()
		}
		require.ErrorIs(t, err, netguard.ErrInternalAddress, a)
	}

	d, err = netguard.NewDialer(netguard.DialerOptions{AllowPrivate: true, Resolver: noDNS})
	require.NoError(t, err)
	c, err := d.DialContext(t.Context(), "tcp", net.JoinHostPort("localhost", port))
	require.NoError(t, err, "AllowPrivate")
	require.NoError(t, c.Close())

	_, err = d.DialContext(t.Context(), "unix", "/tmp/x.sock")
	require.Error(t, err, "TCP only")
}

func TestDialerCapsConnectionsPerHost(t *testing.T) {
	t.Parallel()
	a, b := listen(t), listen(t) // two ports of one host
	sem := newCountingSem()
	d, err := netguard.NewDialer(netguard.DialerOptions{AllowPrivate: true, Semaphore: sem, KeyPrefix: "mail:", MaxPerHost: 2})
	require.NoError(t, err)
	c1, err := d.DialContext(t.Context(), "tcp", a)
	require.NoError(t, err)
	c2, err := d.DialContext(t.Context(), "tcp", b)
	require.NoError(t, err)
	require.Equal(t, 2, sem.count("mail:host:127.0.0.1"), "the host's key is its address, whatever the port")

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = d.DialContext(ctx, "tcp", a)
	require.ErrorIs(t, err, netguard.ErrTooManyConnections)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	var le *netguard.LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, netguard.LimitError{Cap: "host", Key: "127.0.0.1", Max: 2, Err: context.DeadlineExceeded}, *le)

	// A third connection waits for a slot, and gets the one a close frees.
	got := make(chan error, 1)
	go func() {
		c3, err := d.DialContext(t.Context(), "tcp", a)
		if err == nil {
			_ = c3.Close()
		}
		got <- err
	}()
	require.NoError(t, c1.Close())
	_ = c1.Close() // closing twice releases once
	require.NoError(t, <-got)
	require.NoError(t, c2.Close())
	require.Equal(t, 0, sem.count("mail:host:127.0.0.1"))
	sem.mu.Lock()
	defer sem.mu.Unlock()
	require.Equal(t, 2, sem.peak["mail:host:127.0.0.1"])
	require.Equal(t, 3, sem.released, "one release per connection")
}

func TestDialerCapsConnectionsPerMailbox(t *testing.T) {
	t.Parallel()
	addr := listen(t)
	sem := newCountingSem()
	d, err := netguard.NewDialer(netguard.DialerOptions{AllowPrivate: true, Semaphore: sem, MaxPerMailbox: 1, MaxPerHost: 10})
	require.NoError(t, err)
	alice := d.Mailbox("alice@imap.example.com")
	c1, err := alice(t.Context(), "tcp", addr)
	require.NoError(t, err)

	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	_, err = alice(ctx, "tcp", addr)
	var le *netguard.LimitError
	require.ErrorAs(t, err, &le)
	require.Equal(t, "mailbox", le.Cap)
	require.Equal(t, 1, sem.count("host:127.0.0.1"), "the refused dial holds no host slot")

	c2, err := d.Mailbox("bob@imap.example.com")(t.Context(), "tcp", addr)
	require.NoError(t, err, "another mailbox has its own cap")
	c3, err := d.DialContext(t.Context(), "tcp", addr)
	require.NoError(t, err, "DialContext has no mailbox")
	for _, c := range []net.Conn{c1, c2, c3} {
		require.NoError(t, c.Close())
	}
	require.Equal(t, 0, sem.count("mailbox:alice@imap.example.com"))
	require.Equal(t, 0, sem.count("host:127.0.0.1"))
}

func TestDialerReleasesSlotsOfAFailedDial(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close()) // nothing listens there now
	sem := newCountingSem()
	d, err := netguard.NewDialer(netguard.DialerOptions{AllowPrivate: true, Semaphore: sem, MaxPerMailbox: 1, MaxPerHost: 1})
	require.NoError(t, err)
	_, err = d.Mailbox("m")(t.Context(), "tcp", addr)
	var oe *net.OpError
	require.ErrorAs(t, err, &oe, "the dial's own error")
	require.Equal(t, 0, sem.count("host:127.0.0.1"))
	require.Equal(t, 0, sem.count("mailbox:m"))
}

func TestDialerExtendsLeasesWhileOpen(t *testing.T) {
	t.Parallel()
	addr := listen(t)
	sem := newCountingSem()
	d, err := netguard.NewDialer(netguard.DialerOptions{AllowPrivate: true, Semaphore: sem, MaxPerHost: 1, ExtendEvery: time.Millisecond})
	require.NoError(t, err)
	c, err := d.DialContext(t.Context(), "tcp", addr)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		sem.mu.Lock()
		defer sem.mu.Unlock()
		return sem.extended >= 3
	}, 10*time.Second, time.Millisecond)
	require.NoError(t, c.Close())
	sem.mu.Lock()
	n := sem.extended
	sem.mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	sem.mu.Lock()
	defer sem.mu.Unlock()
	require.LessOrEqual(t, sem.extended, n+1, "no renewal after Close but one already under way")
}

func TestNewDialerValidates(t *testing.T) {
	t.Parallel()
	for name, o := range map[string]netguard.DialerOptions{
		"negative host cap":    {MaxPerHost: -1},
		"negative mailbox cap": {MaxPerMailbox: -1, Semaphore: newCountingSem()},
		"cap without sem":      {MaxPerHost: 3},
		"negative extend":      {ExtendEvery: -time.Second},
	} {
		_, err := netguard.NewDialer(o)
		require.Error(t, err, name)
	}
}
