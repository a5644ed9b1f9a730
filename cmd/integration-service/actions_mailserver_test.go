package main

import (
	"bytes"
	"fmt"
	"net"
	"strconv"
	"testing"

	goimap "github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/stretchr/testify/require"
)

// actionServer is go-imap's in-memory IMAP server with MOVE, UIDPLUS
// and LIST-EXTENDED, and an INBOX, an Archive, a Trash and a Lists
// hierarchy: what the message action tests act on. It has no special
// use (its Create ignores it): roles are tested on Dovecot.
type actionServer struct {
	addr     string
	host     string
	port     int
	user     *imapmemserver.User
	email    string
	password string
	n        int
}

func newActionServer(t *testing.T, password string) *actionServer {
	t.Helper()
	return newActionServerWith(t, password, goimap.CapSet{goimap.CapIMAP4rev1: {}, goimap.CapMove: {}, goimap.CapUIDPlus: {}, goimap.CapSpecialUse: {}}, nil)
}

// newActionServerWith is newActionServer advertising caps, with wrap
// (when not nil) put around each session.
func newActionServerWith(t *testing.T, password string, caps goimap.CapSet, wrap func(imapserver.Session) imapserver.Session) *actionServer {
	t.Helper()
	s := &actionServer{email: "actions@example.com", password: password}
	mem := imapmemserver.New()
	s.user = imapmemserver.NewUser(s.email, s.password)
	require.NoError(t, s.user.Create("INBOX", nil))
	require.NoError(t, s.user.Create("Archive", nil))
	require.NoError(t, s.user.Create("Trash", nil))
	require.NoError(t, s.user.Create("Lists/Go", nil))
	mem.AddUser(s.user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			if wrap != nil {
				return wrap(mem.NewSession()), nil, nil
			}
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	s.addr = ln.Addr().String()
	host, port, _ := net.SplitHostPort(s.addr)
	s.host = host
	s.port, _ = strconv.Atoi(port)
	return s
}

// deliver appends a message to INBOX and returns its Message-ID.
func (s *actionServer) deliver(t *testing.T) string {
	t.Helper()
	s.n++
	id := fmt.Sprintf("action-%d@customer.example", s.n)
	raw := fmt.Sprintf("Message-ID: <%s>\r\nFrom: Customer <customer@customer.example>\r\nTo: %s\r\nSubject: Action %d\r\nDate: Mon, 2 Mar 2026 10:00:00 +0000\r\n\r\nHello, action %d.\r\n", id, s.email, s.n, s.n)
	_, err := s.user.Append("INBOX", bytes.NewReader([]byte(raw)), &goimap.AppendOptions{})
	require.NoError(t, err)
	return id
}

// createBody is a POST /api/v1/integrations body for this server,
// with config's members added.
func (s *actionServer) createBody(name string, config map[string]any) map[string]any {
	cfg := map[string]any{"email": s.email, "imap": map[string]any{"host": s.host, "port": s.port, "security": "none"}}
	for k, v := range config {
		cfg[k] = v
	}
	return map[string]any{"name": name, "provider": "imap", "config": cfg, "credentials": map[string]any{"password": s.password}}
}

// login returns a raw IMAP client of the test (not the connector), closed
// when t ends.
func (s *actionServer) login(t *testing.T) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(s.addr, nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Login(s.email, s.password).Wait())
	return c
}

// rawMessage is a message as a raw IMAP client sees it.
type rawMessage struct {
	uid   goimap.UID
	id    string // Message-ID, without brackets
	flags []goimap.Flag
}

// folder lists the messages of mailbox with a raw client.
func folderMessages(t *testing.T, c *imapclient.Client, mailbox string) []rawMessage {
	t.Helper()
	sel, err := c.Select(mailbox, &goimap.SelectOptions{ReadOnly: true}).Wait()
	require.NoError(t, err)
	if sel.NumMessages == 0 {
		return nil
	}
	var all goimap.SeqSet
	all.AddRange(1, 0)
	msgs, err := c.Fetch(all, &goimap.FetchOptions{UID: true, Flags: true, Envelope: true}).Collect()
	require.NoError(t, err)
	out := make([]rawMessage, len(msgs))
	for i, m := range msgs {
		out[i] = rawMessage{uid: m.UID, flags: m.Flags}
		if m.Envelope != nil {
			out[i].id = m.Envelope.MessageID
		}
	}
	return out
}

// findRaw returns the message of msgs with Message-ID id.
func findRaw(msgs []rawMessage, id string) (rawMessage, bool) {
	for _, m := range msgs {
		if m.id == id {
			return m, true
		}
	}
	return rawMessage{}, false
}

// expungeUID removes one message of mailbox by UID, as someone else
// would: UID STORE \Deleted and UID EXPUNGE of that UID only (UIDPLUS),
// never a bare EXPUNGE.
func expungeUID(t *testing.T, c *imapclient.Client, mailbox string, uid goimap.UID) {
	t.Helper()
	_, err := c.Select(mailbox, nil).Wait()
	require.NoError(t, err)
	set := goimap.UIDSetNum(uid)
	require.NoError(t, c.Store(set, &goimap.StoreFlags{Op: goimap.StoreFlagsAdd, Silent: true, Flags: []goimap.Flag{goimap.FlagDeleted}}, nil).Close())
	require.NoError(t, c.UIDExpunge(set).Close())
}
