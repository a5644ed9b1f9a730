package main

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"testing"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/stretchr/testify/require"
)

// mailServer is go-imap's in-memory IMAP server on a loopback port, with
// one mailbox: what an imap integration of the tests connects to.
type mailServer struct {
	host     string
	port     int
	user     *imapmemserver.User
	email    string
	password string
	n        int
}

func newMailServer(t *testing.T) *mailServer {
	t.Helper()
	s := &mailServer{email: "support@example.com", password: "imap-password-4f9c"}
	mem := imapmemserver.New()
	s.user = imapmemserver.NewUser(s.email, s.password)
	require.NoError(t, s.user.Create("INBOX", nil))
	mem.AddUser(s.user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
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

// deliver appends a message from a customer to INBOX.
func (s *mailServer) deliver(t *testing.T, subject string) {
	t.Helper()
	s.n++
	raw := fmt.Sprintf("Message-ID: <m%d@customer.example>\r\nFrom: Customer <customer@customer.example>\r\nTo: %s\r\nSubject: %s\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nHello, message %d.\r\n", s.n, s.email, subject, s.n)
	_, err := s.user.Append("INBOX", bytes.NewReader([]byte(raw)), &goimap.AppendOptions{})
	require.NoError(t, err)
}

// config is an imap integration's config for this server; without
// SMTP settings the integration is receive-only.
func (s *mailServer) config() map[string]any {
	return map[string]any{
		"email": s.email,
		"imap":  map[string]any{"host": s.host, "port": s.port, "security": "none"},
	}
}

// createBody is a POST /api/v1/integrations body for this server.
func (s *mailServer) createBody(name string) map[string]any {
	return map[string]any{"name": name, "provider": "imap", "config": s.config(), "credentials": map[string]any{"password": s.password}}
}
