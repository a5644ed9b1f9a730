package imap

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/imap/internal/xoauth2"
	"github.com/ucsp/integration/internal/mime"
)

const (
	testUser     = "jane@example.test"
	testPassword = "s3cret"
	testToken    = "ya29.test-token"
)

// memServer is an imapmemserver on a loopback port with one user, for
// one test.
type memServer struct {
	t    *testing.T
	addr string
	user *imapmemserver.User

	// xoauth2 enables AUTH=XOAUTH2 (with testToken) beside PLAIN.
	xoauth2 bool

	idles       atomic.Int32 // IDLE commands received
	sessions    atomic.Int32 // sessions open now
	maxSessions atomic.Int32 // most sessions open at once
	emptyAnswer atomic.Bool  // a client answered an XOAUTH2 error challenge with an empty response

	moves        atomic.Int32 // MOVE commands
	copies       atomic.Int32 // COPY commands
	uidExpunges  atomic.Int32 // UID EXPUNGE commands
	bareExpunges atomic.Int32 // EXPUNGE commands (all \Deleted messages)
}

type memOptions struct {
	caps    []imap.Cap // beyond IMAP4rev1; nil means ESEARCH, BINARY, UIDPLUS
	xoauth2 bool
	tls     *serverTLS
}

func newMemServer(t *testing.T, o memOptions) *memServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(testUser, testPassword)
	require.NoError(t, user.Create("INBOX", nil))
	mem.AddUser(user)
	s := &memServer{t: t, user: user, xoauth2: o.xoauth2}
	caps := imap.CapSet{imap.CapIMAP4rev1: {}}
	if o.caps == nil {
		o.caps = []imap.Cap{imap.CapESearch, imap.CapBinary, imap.CapUIDPlus}
	}
	for _, c := range o.caps {
		caps[c] = struct{}{}
	}
	opts := &imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			n := s.sessions.Add(1)
			for {
				m := s.maxSessions.Load()
				if n <= m || s.maxSessions.CompareAndSwap(m, n) {
					break
				}
			}
			return &memSession{Session: mem.NewSession(), s: s}, nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       discardLogger{},
	}
	var ln net.Listener
	var err error
	switch {
	case o.tls != nil && o.tls.implicit:
		ln, err = tlsListen(o.tls.config)
	default:
		if o.tls != nil {
			opts.TLSConfig = o.tls.config
			opts.InsecureAuth = false
		}
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	require.NoError(t, err)
	srv := imapserver.New(opts)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.addr = ln.Addr().String()
	return s
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// memSession counts IDLEs and sessions and adds XOAUTH2.
type memSession struct {
	imapserver.Session
	s      *memServer
	closed bool
}

func (m *memSession) Close() error {
	if !m.closed {
		m.closed = true
		m.s.sessions.Add(-1)
	}
	return m.Session.Close()
}

func (m *memSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	m.s.idles.Add(1)
	return m.Session.Idle(w, stop)
}

func (m *memSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	m.s.moves.Add(1)
	return m.Session.(imapserver.SessionMove).Move(w, numSet, dest)
}

func (m *memSession) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	m.s.copies.Add(1)
	return m.Session.Copy(numSet, dest)
}

func (m *memSession) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	if uids == nil {
		m.s.bareExpunges.Add(1)
	} else {
		m.s.uidExpunges.Add(1)
	}
	return m.Session.Expunge(w, uids)
}

func (m *memSession) AuthenticateMechanisms() []string {
	if m.s.xoauth2 {
		return []string{"PLAIN", xoauth2.Mechanism}
	}
	return []string{"PLAIN"}
}

func (m *memSession) Authenticate(mech string) (sasl.Server, error) {
	switch strings.ToUpper(mech) {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, username, password string) error {
			return m.Login(username, password)
		}), nil
	case xoauth2.Mechanism:
		if m.s.xoauth2 {
			return &recordingSASL{Server: xoauth2.NewServer(func(user, token string) error {
				if token != testToken {
					return imapserver.ErrAuthFailed
				}
				return m.Login(user, testPassword)
			}), s: m.s}, nil
		}
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "unsupported mechanism"}
}

// recordingSASL notes an empty response after an error challenge.
type recordingSASL struct {
	sasl.Server
	s         *memServer
	challenge bool
}

func (r *recordingSASL) Next(resp []byte) ([]byte, bool, error) {
	if r.challenge && resp != nil && len(resp) == 0 {
		r.s.emptyAnswer.Store(true)
	}
	ch, done, err := r.Server.Next(resp)
	r.challenge = len(ch) > 0
	return ch, done, err
}

// host and port of the server.
func (s *memServer) hostPort() (string, int) { return splitAddr(s.t, s.addr) }

func splitAddr(t testing.TB, addr string) (string, int) {
	host, port, err := net.SplitHostPort(addr)
	require.NoError(t, err)
	p, err := strconv.Atoi(port)
	require.NoError(t, err)
	return host, p
}

// config returns a Config for the server's user over plaintext.
func (s *memServer) config(folders ...string) Config {
	host, port := s.hostPort()
	return Config{
		Host: host, Port: port, Security: SecurityNone,
		Username: testUser, Password: testPassword,
		Folders: folders, Logger: testLogger(s.t),
		ReconnectBackoff: 10 * time.Millisecond, ReconnectBackoffMax: 100 * time.Millisecond,
	}
}

func (s *memServer) admin() *admin { return newAdmin(s.t, s.addr, testUser, testPassword) }

func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newConnector(t testing.TB, cfg Config) *Connector {
	t.Helper()
	c, err := New(cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// admin changes a mailbox behind the connector's back, with a plain
// go-imap client.
type admin struct {
	t *testing.T
	c *imapclient.Client
}

func newAdmin(t *testing.T, addr, user, password string) *admin {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	require.NoError(t, err)
	require.NoError(t, c.Login(user, password).Wait())
	t.Cleanup(func() { _ = c.Close() })
	return &admin{t: t, c: c}
}

func (a *admin) create(folder string) {
	a.t.Helper()
	err := a.c.Create(folder, nil).Wait()
	var ierr *imap.Error
	if errors.As(err, &ierr) && ierr.Code == imap.ResponseCodeAlreadyExists {
		// Dovecot, under heavy parallel load, has answered a CREATE of a
		// fresh random name with ALREADYEXISTS: the folder is there, and
		// the name is this test's alone.
		_, serr := a.c.Status(folder, &imap.StatusOptions{NumMessages: true}).Wait()
		require.NoError(a.t, serr, "CREATE %s said ALREADYEXISTS, and STATUS cannot find it", folder)
		return
	}
	require.NoError(a.t, err)
}

func (a *admin) delete(folder string) error { return a.c.Delete(folder).Wait() }

func (a *admin) appendMsg(folder string, raw []byte, flags ...imap.Flag) imap.UID {
	a.t.Helper()
	uid, err := appendRaw(a.c, folder, raw, flags...)
	require.NoError(a.t, err)
	return uid
}

// appendAt appends a message with INTERNALDATE at.
func (a *admin) appendAt(folder string, raw []byte, at time.Time) imap.UID {
	a.t.Helper()
	cmd := a.c.Append(folder, int64(len(raw)), &imap.AppendOptions{Time: at})
	_, err := cmd.Write(raw)
	require.NoError(a.t, err)
	require.NoError(a.t, cmd.Close())
	data, err := cmd.Wait()
	require.NoError(a.t, err)
	return data.UID
}

func appendRaw(c *imapclient.Client, folder string, raw []byte, flags ...imap.Flag) (imap.UID, error) {
	cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: flags})
	if _, err := cmd.Write(raw); err != nil {
		return 0, err
	}
	if err := cmd.Close(); err != nil {
		return 0, err
	}
	data, err := cmd.Wait()
	if err != nil {
		return 0, err
	}
	return data.UID, nil
}

// uidOf finds the UID of the message with messageID in folder.
func (a *admin) uidOf(folder, messageID string) (imap.UID, error) {
	if _, err := a.c.Select(folder, nil).Wait(); err != nil {
		return 0, err
	}
	data, err := a.c.UIDSearch(&imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-Id", Value: "<" + messageID + ">"}}}, nil).Wait()
	if err != nil {
		return 0, err
	}
	uids := data.AllUIDs()
	if len(uids) != 1 {
		return 0, errors.New("no single message " + messageID)
	}
	return uids[0], nil
}

// expunge deletes the messages with the given UIDs from folder.
func (a *admin) expunge(folder string, uids ...imap.UID) {
	a.t.Helper()
	_, err := a.c.Select(folder, nil).Wait()
	require.NoError(a.t, err)
	set := imap.UIDSetNum(uids...)
	require.NoError(a.t, a.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close())
	require.NoError(a.t, a.c.UIDExpunge(set).Close())
	require.NoError(a.t, a.c.Unselect().Wait())
}

// setFlags replaces the flags of a message.
func (a *admin) setFlags(folder string, uid imap.UID, flags ...imap.Flag) {
	a.t.Helper()
	_, err := a.c.Select(folder, nil).Wait()
	require.NoError(a.t, err)
	require.NoError(a.t, a.c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsSet, Silent: true, Flags: flags}, nil).Close())
	require.NoError(a.t, a.c.Unselect().Wait())
}

// flags returns the flags of a message.
func (a *admin) flags(folder string, uid imap.UID) []imap.Flag {
	a.t.Helper()
	_, err := a.c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	require.NoError(a.t, err)
	msgs, err := a.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{Flags: true}).Collect()
	require.NoError(a.t, err)
	require.Len(a.t, msgs, 1)
	require.NoError(a.t, a.c.Unselect().Wait())
	return msgs[0].Flags
}

// recreate deletes folder and creates it again with the same messages
// (raw and flags), which gives it a new UIDVALIDITY.
func (a *admin) recreate(folder string) {
	a.t.Helper()
	_, err := a.c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	require.NoError(a.t, err)
	var uids imap.UIDSet
	uids.AddRange(1, 0)
	msgs, err := a.c.Fetch(uids, &imap.FetchOptions{Flags: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	require.NoError(a.t, err)
	require.NoError(a.t, a.c.Unselect().Wait())
	require.NoError(a.t, a.c.Delete(folder).Wait())
	require.NoError(a.t, a.c.Create(folder, nil).Wait())
	for _, m := range msgs {
		raw := m.FindBodySection(&imap.FetchItemBodySection{})
		var flags []imap.Flag
		for _, f := range m.Flags {
			if !strings.EqualFold(string(f), `\Recent`) {
				flags = append(flags, f)
			}
		}
		cmd := a.c.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: flags, Time: m.InternalDate})
		_, err := cmd.Write(raw)
		require.NoError(a.t, err)
		require.NoError(a.t, cmd.Close())
		_, err = cmd.Wait()
		require.NoError(a.t, err)
	}
}

// recordingSender is the Sender the conformance suite's Send checks
// delegate to: it renders what it is given, as an SMTP sender would send
// it, and keeps it for Env.Sent.
type recordingSender struct {
	mu   sync.Mutex
	sent [][]byte
	err  error
}

func (r *recordingSender) Send(_ context.Context, msg *connector.OutboundMessage) (*connector.SendResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	raw, err := mime.Render(msg, mime.BuildOptions{})
	if err != nil {
		return nil, err
	}
	r.sent = append(r.sent, raw)
	return &connector.SendResult{MessageID: msg.MessageID, Response: "250 2.0.0 queued"}, nil
}

func (r *recordingSender) Sent(context.Context) ([][]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([][]byte(nil), r.sent...), nil
}

// proxy forwards TCP connections to a server; tests drop its connections
// or rewrite what the server says.
type proxy struct {
	t       *testing.T
	ln      net.Listener
	target  string
	rewrite func(line []byte) []byte // server-to-client lines; nil: as is

	mu    sync.Mutex
	conns []net.Conn
	count atomic.Int32 // connections accepted
}

func newProxy(t *testing.T, target string, rewrite func([]byte) []byte) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{t: t, ln: ln, target: target, rewrite: rewrite}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		p.dropAll()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.count.Add(1)
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			wg.Go(func() { _, _ = io.Copy(s, c); _ = s.Close() })
			wg.Go(func() {
				defer func() { _ = c.Close() }()
				if p.rewrite == nil {
					_, _ = io.Copy(c, s)
					return
				}
				br := bufio.NewReader(s)
				for {
					line, err := br.ReadBytes('\n')
					if len(line) > 0 {
						if _, werr := c.Write(p.rewrite(line)); werr != nil {
							return
						}
					}
					if err != nil {
						return
					}
				}
			})
		}
	})
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

// dropAll closes every connection through the proxy.
func (p *proxy) dropAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// freezer makes a proxy stop passing the server's answers on while it is
// frozen, as a server that hangs does.
type freezer struct {
	frozen atomic.Bool
	thaw   chan struct{}
	once   sync.Once
	// freezeAt, when positive, freezes the stream at the freezeAt-th
	// line holding a FETCH answer.
	freezeAt atomic.Int32
	fetches  atomic.Int32
}

func newFreezer() *freezer { return &freezer{thaw: make(chan struct{})} }

// release lets everything through again, for good.
func (f *freezer) release() {
	f.freezeAt.Store(0)
	f.frozen.Store(false)
	f.once.Do(func() { close(f.thaw) })
}

func (f *freezer) rewrite(line []byte) []byte {
	if at := f.freezeAt.Load(); at > 0 && bytes.Contains(line, []byte(" FETCH (")) && f.fetches.Add(1) == at {
		f.frozen.Store(true)
	}
	if f.frozen.Load() {
		<-f.thaw
	}
	return line
}

// stripCap removes a capability from CAPABILITY lines.
func stripCap(name string) func([]byte) []byte {
	return func(line []byte) []byte {
		if !bytes.Contains(line, []byte("CAPABILITY")) {
			return line
		}
		return bytes.ReplaceAll(line, []byte(" "+name), nil)
	}
}

func randomName(prefix string) string {
	b := make([]byte, 5)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// syncAll runs a Sync from cursor and returns what it handed out.
type syncResult struct {
	batches  []*connector.Batch
	messages []*connector.Message
	changes  []connector.Change
	cursor   connector.Cursor
}

func syncAll(t testing.TB, c *Connector, from connector.Cursor) *syncResult {
	t.Helper()
	r := &syncResult{cursor: from}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := c.Sync(ctx, from, func(_ context.Context, b *connector.Batch) error {
		r.batches = append(r.batches, b)
		r.messages = append(r.messages, b.Messages...)
		r.changes = append(r.changes, b.Changes...)
		r.cursor = b.Cursor
		return nil
	})
	require.NoError(t, err)
	return r
}

func (r *syncResult) byMessageID(id string) *connector.Message {
	for _, m := range r.messages {
		if m.MessageID == id {
			return m
		}
	}
	return nil
}

func (r *syncResult) changesOf(kind connector.ChangeKind) []connector.Change {
	var out []connector.Change
	for _, c := range r.changes {
		if c.Kind == kind {
			out = append(out, c)
		}
	}
	return out
}
