package imapscript

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Rest is what the server does after a message's Raw bytes when its
// literal announced more.
type Rest int

// The kinds of Rest.
const (
	// Hold sends nothing more and keeps the connection open until the
	// client closes it or the server is closed: a literal that never
	// ends.
	Hold Rest = iota
	// Fill sends filler lines up to the announced size, then ends the
	// answer normally: a real message that large.
	Fill
	// Hangup closes the connection.
	Hangup
)

// Message is one message of the folder. Messages get UIDs 1, 2, ... in
// the order given.
type Message struct {
	// Raw is the message, sent as the BODY[] literal (and its header
	// block as BODY[HEADER]).
	Raw []byte
	// Announce is the BODY[] literal's announced size; less than
	// len(Raw) means len(Raw). When it is more, Rest says what follows
	// Raw.
	Announce int64
	Rest     Rest
	// Size is the RFC822.SIZE answered; 0 means the announced size.
	Size int64
	// Pace, when set, sends the literal's bytes (Raw and filler) in
	// pieces of TricklePiece bytes with Pace between them.
	Pace time.Duration
}

// TricklePiece is how many bytes a paced literal sends at once.
const TricklePiece = 1024

func (m *Message) announced() int64 { return max(m.Announce, int64(len(m.Raw))) }

func (m *Message) size() int64 {
	if m.Size > 0 {
		return m.Size
	}
	return m.announced()
}

// Options configures a Server.
type Options struct {
	// Username and Password are the only credentials LOGIN accepts; ""
	// means "user" and "password".
	Username, Password string
	// UIDValidity of INBOX; 0 means 1.
	UIDValidity uint32
	// Messages are INBOX's messages.
	Messages []Message
}

// Server is a scripted IMAP server on a loopback port.
type Server struct {
	opts Options
	ln   net.Listener

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
	done   chan struct{}

	uidValidity atomic.Uint32
	accepted    atomic.Int32
	held        atomic.Int32
}

// New starts a Server on 127.0.0.1 and closes it when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("imapscript: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// Start starts a Server on 127.0.0.1; Close stops it.
func Start(opts Options) (*Server, error) {
	if opts.Username == "" {
		opts.Username = "user"
	}
	if opts.Password == "" {
		opts.Password = "password"
	}
	if opts.UIDValidity == 0 {
		opts.UIDValidity = 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, ln: ln, conns: map[net.Conn]struct{}{}, done: make(chan struct{})}
	s.uidValidity.Store(opts.UIDValidity)
	s.wg.Go(s.serve)
	return s, nil
}

// Host returns the server's IP address.
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port returns the server's port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// Accepted returns how many connections the server accepted.
func (s *Server) Accepted() int { return int(s.accepted.Load()) }

// SetUIDValidity renumbers INBOX, as a server migration would: SELECT
// answers v from now on.
func (s *Server) SetUIDValidity(v uint32) { s.uidValidity.Store(v) }

// Held returns how many connections are holding a literal now (Rest
// Hold, after Raw): the client has been told of bytes that never come.
func (s *Server) Held() int { return int(s.held.Load()) }

// Close closes the listener and every connection, and waits for the
// server's goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	_ = s.ln.Close()
	for c := range s.conns {
		_ = c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

func (s *Server) serve() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.accepted.Add(1)
		s.wg.Go(func() {
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				_ = c.Close()
			}()
			newSession(s, c).run()
		})
		s.mu.Unlock()
	}
}
