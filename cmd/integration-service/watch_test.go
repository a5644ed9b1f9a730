package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/stretchr/testify/require"
)

// idleServer is go-imap's in-memory IMAP server with one mailbox per
// user, which counts, per user, the sessions in IDLE now and the most
// there ever were at once.
type idleServer struct {
	host  string
	port  int
	users []*imapmemserver.User

	mu      sync.Mutex
	idle    map[string]int
	maxIdle map[string]int
}

func newIdleServer(t *testing.T, users int) *idleServer {
	t.Helper()
	s := &idleServer{idle: map[string]int{}, maxIdle: map[string]int{}}
	mem := imapmemserver.New()
	for i := range users {
		u := imapmemserver.NewUser(s.email(i), "pw-"+strconv.Itoa(i))
		require.NoError(t, u.Create("INBOX", nil))
		mem.AddUser(u)
		s.users = append(s.users, u)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &countingSession{Session: mem.NewSession(), srv: s}, nil, nil
		},
		Caps:         goimap.CapSet{goimap.CapIMAP4rev1: {}},
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	host, port, _ := net.SplitHostPort(ln.Addr().String())
	s.host = host
	s.port, _ = strconv.Atoi(port)
	return s
}

func (s *idleServer) email(i int) string { return fmt.Sprintf("support%02d@example.com", i) }

// createBody is the POST /api/v1/integrations body of user i.
func (s *idleServer) createBody(i int) map[string]any {
	return map[string]any{
		"name": "Support " + strconv.Itoa(i), "provider": "imap",
		"config":      map[string]any{"email": s.email(i), "imap": map[string]any{"host": s.host, "port": s.port, "security": "none"}},
		"credentials": map[string]any{"password": "pw-" + strconv.Itoa(i)},
	}
}

// idling returns, per user, the sessions in IDLE now and the most at
// once so far.
func (s *idleServer) idling() (now, most map[string]int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now, most = map[string]int{}, map[string]int{}
	for k, v := range s.idle {
		now[k] = v
	}
	for k, v := range s.maxIdle {
		most[k] = v
	}
	return now, most
}

// deliver appends a message with subject to user i's INBOX.
func (s *idleServer) deliver(t *testing.T, i int, subject string) {
	t.Helper()
	raw := fmt.Sprintf("Message-ID: <%s@customer.example>\r\nFrom: Customer <customer@customer.example>\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nHello.\r\n",
		strconv.FormatInt(time.Now().UnixNano(), 36), s.email(i), subject)
	_, err := s.users[i].Append("INBOX", bytes.NewReader([]byte(raw)), &goimap.AppendOptions{})
	require.NoError(t, err)
}

// countingSession counts its user's IDLE commands while they run.
type countingSession struct {
	imapserver.Session
	srv  *idleServer
	user string
}

func (c *countingSession) Login(username, password string) error {
	if err := c.Session.Login(username, password); err != nil {
		return err
	}
	c.user = username
	return nil
}

func (c *countingSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	c.srv.mu.Lock()
	c.srv.idle[c.user]++
	c.srv.maxIdle[c.user] = max(c.srv.maxIdle[c.user], c.srv.idle[c.user])
	c.srv.mu.Unlock()
	defer func() {
		c.srv.mu.Lock()
		c.srv.idle[c.user]--
		c.srv.mu.Unlock()
	}()
	return c.Session.Idle(w, stop)
}

// TestIMAPWatchers: three worker processes (production mode, leases in
// Redis) and 30 IMAP integrations: each mailbox is watched (IDLE) by
// exactly one process; a process SIGKILLed, its mailboxes are watched
// again by the others within 2× the lease, none ever by two at once; a
// message appended to a mailbox (the catch-up sweep out of the way)
// becomes exactly one message.received event within 10 s.
func TestIMAPWatchers(t *testing.T) {
	t.Parallel()
	const lease = 2 * time.Second
	mail := newIdleServer(t, 30)
	rc := newEventReceiver(t)
	env := productionEnv(t, rc.env(baseEnv()))
	env["IMAP_WATCH"] = "true"
	env["WATCH_LEASE_TTL"] = lease.String()
	var procs []*instance
	for range 3 {
		procs = append(procs, start(t, env, "all"))
	}
	c := newClient(t, procs[0].base)
	tok := tokenFor(t, "tenant-watch")
	for i := range mail.users {
		r := c.do(t, call{method: http.MethodPost, path: "/api/v1/integrations", token: tok, body: mail.createBody(i)})
		require.Equal(t, http.StatusCreated, r.status, "%s", r.body)
	}

	allWatchedOnce := func() bool {
		now, _ := mail.idling()
		for i := range mail.users {
			if now[mail.email(i)] != 1 {
				return false
			}
		}
		return true
	}
	require.Eventually(t, allWatchedOnce, 30*time.Second, 20*time.Millisecond, "every mailbox watched by one process")

	require.NoError(t, procs[2].cmd.Process.Signal(syscall.SIGKILL))
	procs[2].wait(10 * time.Second)
	killed := time.Now()
	// The dead process's connections close with it: its mailboxes are
	// unwatched until their leases lapse and the others take them.
	require.Eventually(t, func() bool {
		now, _ := mail.idling()
		total := 0
		for _, n := range now {
			total += n
		}
		return total < 30
	}, 5*time.Second, 5*time.Millisecond, "the killed process was watching some mailboxes")
	require.Eventually(t, allWatchedOnce, 2*lease, 20*time.Millisecond, "all mailboxes watched again within 2× the lease")
	t.Logf("watched again %s after the kill", time.Since(killed).Round(time.Millisecond))
	_, most := mail.idling()
	for i := range mail.users {
		require.Equal(t, 1, most[mail.email(i)], "mailbox %d was watched twice at once", i)
	}

	mail.deliver(t, 7, "Where is my parcel?")
	require.Eventually(t, func() bool { return len(rc.received("Where is my parcel?")) == 1 }, 10*time.Second, 20*time.Millisecond,
		"the appended message becomes an event")
	time.Sleep(time.Second)
	require.Len(t, rc.received("Where is my parcel?"), 1, "exactly one event")
}
