package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap"
)

// compareIMAP compares package imap with a bare go-imap client on the
// Dovecot of .ci/peers.sh (TEST_IMAP_ADDR, default 127.0.0.1:1143):
//
//   - sync_msgs_per_s: a full Sync of alice's INBOX (10,000 messages:
//     fetch, MIME parse, batches, cursors) against go-imap's
//     UID FETCH 1:* BODY.PEEK[] collecting the bodies without parsing them,
//     both on warm connections, in interleaved rounds, the median of
//     seven rounds each (the machine is shared: a median is steadier than
//     a best or a mean);
//   - idle_bytes_per_account: the heap and goroutine stacks that 1,000
//     accounts (load0001..load1000) cost while each has a Listen running
//     in IDLE, per account.
func compareIMAP(ctx context.Context, _ string) error {
	addr := envOr("TEST_IMAP_ADDR", "127.0.0.1:1143")
	user := envOr("TEST_IMAP_USER", "alice")
	password := envOr("TEST_IMAP_PASSWORD", "alicepw")
	host, portStr, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("TEST_IMAP_ADDR: %w", err)
	}
	port, err := strconv.Atoi(portStr)
	if err != nil {
		return fmt.Errorf("TEST_IMAP_ADDR: %w", err)
	}
	base := imap.Config{Host: host, Port: port, Security: imap.SecurityNone}

	ours, peer, err := compareIMAPSync(ctx, base, addr, user, password)
	if err != nil {
		return err
	}
	report("imap", "sync_msgs_per_s", ours, peer)

	perAccount, err := imapIdleBytes(ctx, base, 1000)
	if err != nil {
		return err
	}
	fmt.Printf("imap idle_bytes_per_account ours=%.0f\n", perAccount)
	return nil
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// compareIMAPSync returns the median msgs/s of our full sync and of the
// bare go-imap loop.
func compareIMAPSync(ctx context.Context, base imap.Config, addr, user, password string) (ours, peer float64, err error) {
	cfg := base
	cfg.Username, cfg.Password = user, password
	c, err := imap.New(cfg)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = c.Close() }()
	bare, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = bare.Close() }()
	if err := bare.Login(user, password).Wait(); err != nil {
		return 0, 0, err
	}
	if _, err := bare.Select("INBOX", &goimap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		return 0, 0, err
	}

	sync := func() (float64, error) {
		start := time.Now()
		n := 0
		err := c.Sync(ctx, "", func(_ context.Context, b *connector.Batch) error {
			n += len(b.Messages)
			return nil
		})
		return float64(n) / time.Since(start).Seconds(), err
	}
	fetch := func() (float64, error) {
		start := time.Now()
		n, err := bareFetchAll(bare)
		return float64(n) / time.Since(start).Seconds(), err
	}
	// One round of each to warm Dovecot's caches and both connections.
	if _, err := fetch(); err != nil {
		return 0, 0, err
	}
	if _, err := sync(); err != nil {
		return 0, 0, err
	}
	const rounds = 7
	var oursRuns, peerRuns []float64
	for range rounds {
		p, err := fetch()
		if err != nil {
			return 0, 0, err
		}
		o, err := sync()
		if err != nil {
			return 0, 0, err
		}
		peerRuns, oursRuns = append(peerRuns, p), append(oursRuns, o)
	}
	return median(oursRuns), median(peerRuns), nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// bareFetchAll is the peer: UID FETCH 1:* (UID BODY.PEEK[]), reading every
// body into memory.
func bareFetchAll(c *imapclient.Client) (int, error) {
	var all goimap.UIDSet
	all.AddRange(1, 0)
	cmd := c.Fetch(all, &goimap.FetchOptions{UID: true, BodySection: []*goimap.FetchItemBodySection{{Peek: true}}})
	n := 0
	for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
		for item := msg.Next(); item != nil; item = msg.Next() {
			if body, ok := item.(imapclient.FetchItemDataBodySection); ok && body.Literal != nil {
				if _, err := io.ReadAll(body.Literal); err != nil {
					return n, err
				}
			}
		}
		n++
	}
	return n, cmd.Close()
}

// imapIdleBytes starts Listen for accounts load0001..loadN, waits until
// every one is in IDLE, and returns the growth of heap plus goroutine
// stacks per account.
func imapIdleBytes(ctx context.Context, base imap.Config, accounts int) (float64, error) {
	before := heapAndStacks()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns := make([]*imap.Connector, accounts)
	errs := make(chan error, accounts)
	var wg sync.WaitGroup
	defer func() {
		cancel()
		wg.Wait()
		for _, c := range conns {
			if c != nil {
				_ = c.Close()
			}
		}
	}()
	const startAtOnce = 50 // logins in flight, not to flood Dovecot's auth
	for i := range accounts {
		cfg := base
		cfg.Username, cfg.Password = fmt.Sprintf("load%04d", i+1), "loadpw"
		cfg.PollInterval = time.Hour
		c, err := imap.New(cfg)
		if err != nil {
			return 0, err
		}
		conns[i] = c
		wg.Go(func() {
			if err := c.Listen(ctx, func(connector.Notification) {}); err != nil && !errors.Is(err, context.Canceled) {
				errs <- fmt.Errorf("%s: %w", cfg.Username, err)
			}
		})
		if (i+1)%startAtOnce == 0 {
			if err := waitListening(ctx, conns[:i+1], errs); err != nil {
				return 0, err
			}
		}
	}
	if err := waitListening(ctx, conns, errs); err != nil {
		return 0, err
	}
	time.Sleep(time.Second) // let the last IDLEs settle
	after := heapAndStacks()
	return float64(after-before) / float64(accounts), nil
}

func waitListening(ctx context.Context, conns []*imap.Connector, errs <-chan error) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		ready := 0
		for _, c := range conns {
			ready += c.Stats().Listening
		}
		if ready == len(conns) {
			return nil
		}
		select {
		case err := <-errs:
			return err
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d accounts got to IDLE", ready, len(conns))
		}
	}
}

// heapAndStacks returns the live heap plus goroutine stacks, after
// collecting garbage.
func heapAndStacks() uint64 {
	var ms runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc + ms.StackInuse
}
