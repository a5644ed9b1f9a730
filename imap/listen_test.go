package imap

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

// listening runs Listen in the background and collects notifications.
type listening struct {
	t      *testing.T
	c      *Connector
	cancel context.CancelFunc
	notes  chan connector.Notification
	done   chan error
}

func startListen(t *testing.T, c *Connector) *listening {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	l := &listening{t: t, c: c, cancel: cancel, notes: make(chan connector.Notification, 100), done: make(chan error, 1)}
	go func() {
		l.done <- c.Listen(ctx, func(n connector.Notification) { l.notes <- n })
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-l.done:
		case <-time.After(10 * time.Second):
			t.Error("Listen did not return after its context ended")
		}
	})
	return l
}

// ready waits until Listen is connected and waiting.
func (l *listening) ready() {
	l.t.Helper()
	require.Eventually(l.t, func() bool { return l.c.Stats().Listening == 1 }, 10*time.Second, 5*time.Millisecond, "Listen did not get ready")
}

// next waits for a notification about folder.
func (l *listening) next(folder string) connector.Notification {
	l.t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case n := <-l.notes:
			if n.Folder == folder {
				return n
			}
		case err := <-l.done:
			l.t.Fatalf("Listen returned: %v", err)
		case <-deadline:
			l.t.Fatalf("no notification for %q", folder)
		}
	}
}

// deliverUntilNotified appends a message to folder every 300ms until a
// notification for folder comes. (go-imap's in-memory server answers
// "+ idling" before it registers for updates, so a message appended in
// that instant is reported only with the next one; Dovecot has no such
// gap. connectortest's Listener check does the same.)
func (l *listening) deliverUntilNotified(adm *admin, folder string) {
	l.t.Helper()
	deadline := time.After(10 * time.Second)
	for i := 0; ; i++ {
		adm.appendMsg(folder, testMessage(fmt.Sprintf("%s-%d-%d", folder, time.Now().UnixNano(), i)))
		tick := time.After(300 * time.Millisecond)
		for waiting := true; waiting; {
			select {
			case n := <-l.notes:
				if n.Folder == folder {
					return
				}
			case err := <-l.done:
				l.t.Fatalf("Listen returned: %v", err)
			case <-deadline:
				l.t.Fatalf("no notification for %q", folder)
			case <-tick:
				waiting = false
			}
		}
	}
}

func (l *listening) drain() {
	for {
		select {
		case <-l.notes:
		default:
			return
		}
	}
}

func TestListenIDLENotifiesNewMail(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	cfg := srv.config()
	cfg.PollInterval = time.Hour
	c := newConnector(t, cfg)
	l := startListen(t, c)
	l.next("") // once in IDLE, Listen says the mailbox may have changed
	l.ready()
	require.Equal(t, 1, c.Stats().Connections, "Listen holds a connection of its own")
	l.deliverUntilNotified(srv.admin(), "INBOX")
	require.EqualValues(t, 1, srv.idles.Load(), "one IDLE, never re-issued within IdleRefresh")
}

func TestListenReissuesIDLE(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	cfg := srv.config()
	cfg.IdleRefresh = 50 * time.Millisecond
	l := startListen(t, newConnector(t, cfg))
	require.Eventually(t, func() bool { return srv.idles.Load() >= 4 }, 10*time.Second, 10*time.Millisecond,
		"IDLE must be ended and issued again every IdleRefresh")
	l.deliverUntilNotified(srv.admin(), "INBOX")
}

func TestListenReconnectsAfterADrop(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	p := newProxy(t, srv.addr, nil)
	cfg := srv.config()
	cfg.Host, cfg.Port = splitAddr(t, p.addr())
	cfg.PollInterval = time.Hour
	c := newConnector(t, cfg)
	l := startListen(t, c)
	l.ready()
	l.next("") // connected and waiting: news before this are the caller's sync's
	for drop := 1; drop <= 3; drop++ {
		l.drain()
		p.dropAll()
		// After reconnecting, Listen says news may have been missed.
		l.next("")
		l.ready()
		require.EqualValues(t, drop+1, p.count.Load())
	}
	l.drain()
	l.deliverUntilNotified(srv.admin(), "INBOX")
}

func TestListenPollsWithoutIDLE(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	p := newProxy(t, srv.addr, stripCap("IDLE"))
	cfg := srv.config()
	cfg.Host, cfg.Port = splitAddr(t, p.addr())
	cfg.PollInterval = 50 * time.Millisecond
	l := startListen(t, newConnector(t, cfg))
	l.ready()
	l.deliverUntilNotified(srv.admin(), "INBOX")
	require.Zero(t, srv.idles.Load(), "no IDLE on a server that does not offer it")
}

func TestListenChecksOtherFolders(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Escalations")
	cfg := srv.config("INBOX", "Escalations")
	cfg.PollInterval = 50 * time.Millisecond
	l := startListen(t, newConnector(t, cfg))
	l.ready()
	l.deliverUntilNotified(adm, "Escalations")
	l.deliverUntilNotified(adm, "INBOX")
}

func TestListenGivesUp(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	ctx := context.Background()

	bad := srv.config()
	bad.Password = "wrong"
	err := newConnector(t, bad).Listen(ctx, func(connector.Notification) {})
	require.ErrorIs(t, err, connector.ErrAuth)

	missing := srv.config("Nope")
	err = newConnector(t, missing).Listen(ctx, func(connector.Notification) {})
	require.ErrorIs(t, err, connector.ErrNotFound)

	one := srv.config()
	one.MaxConnections = 1
	err = newConnector(t, one).Listen(ctx, func(connector.Notification) {})
	require.ErrorIs(t, err, connector.ErrPermanent)
	require.ErrorContains(t, err, "MaxConnections")
}

func TestCloseEndsListen(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	c := newConnector(t, srv.config())
	done := make(chan error, 1)
	go func() { done <- c.Listen(context.Background(), func(connector.Notification) {}) }()
	require.Eventually(t, func() bool { return c.Stats().Listening == 1 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, c.Close())
	select {
	case err := <-done:
		require.ErrorIs(t, err, ErrClosed)
	case <-time.After(10 * time.Second):
		t.Fatal("Listen did not return after Close")
	}
	require.Zero(t, c.Stats().Connections)
	err := c.Sync(context.Background(), "", func(context.Context, *connector.Batch) error { return nil })
	require.True(t, errors.Is(err, ErrClosed) && errors.Is(err, connector.ErrPermanent), "%v", err)
}
