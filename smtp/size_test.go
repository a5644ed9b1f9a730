package smtp_test

import (
	"bufio"
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
	"github.com/ucsp/integration/smtp"
)

// scriptServer is a scripted SMTP server on a loopback port: it
// advertises the EHLO extensions it is given, accepts every command and
// logs each command's verb (and the bytes of each message received).
type scriptServer struct {
	host string
	port int
	ext  []string

	mu   sync.Mutex
	log  []string
	msgs [][]byte
}

func startScriptServer(t *testing.T, ext ...string) *scriptServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	a := ln.Addr().(*net.TCPAddr)
	ss := &scriptServer{host: a.IP.String(), port: a.Port, ext: ext}
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait) // cleanups run last first: after the Close
	t.Cleanup(func() { _ = ln.Close() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { ss.serve(c) })
		}
	})
	return ss
}

func (ss *scriptServer) record(cmd string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.log = append(ss.log, cmd)
}

// commands is the log of command verbs received, in order.
func (ss *scriptServer) commands() []string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return append([]string(nil), ss.log...)
}

func (ss *scriptServer) received() [][]byte {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return append([][]byte(nil), ss.msgs...)
}

func (ss *scriptServer) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	r := bufio.NewReader(c)
	say := func(s string) bool { _, err := c.Write([]byte(s + "\r\n")); return err == nil }
	if !say("220 script.test ESMTP") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, _, _ := strings.Cut(strings.ToUpper(line), " ")
		if strings.HasPrefix(strings.ToUpper(line), "MAIL FROM:") || strings.HasPrefix(strings.ToUpper(line), "RCPT TO:") {
			verb = strings.ToUpper(line[:4])
		}
		ss.record(verb)
		var ok bool
		switch verb {
		case "EHLO":
			lines := append([]string{"script.test"}, ss.ext...)
			var b strings.Builder
			for i, l := range lines {
				sep := "-"
				if i == len(lines)-1 {
					sep = " "
				}
				b.WriteString("250" + sep + l + "\r\n")
			}
			_, err := c.Write([]byte(b.String()))
			ok = err == nil
		case "HELO", "MAIL", "RCPT", "RSET", "NOOP":
			ok = say("250 OK")
		case "DATA":
			if !say("354 go ahead") {
				return
			}
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(strings.TrimPrefix(l, "."))
			}
			ss.mu.Lock()
			ss.msgs = append(ss.msgs, []byte(msg.String()))
			ss.mu.Unlock()
			ok = say("250 queued")
		case "QUIT":
			say("221 bye")
			return
		default:
			ok = say("502 not implemented")
		}
		if !ok {
			return
		}
	}
}

func (ss *scriptServer) sender(t *testing.T) *smtp.Sender {
	return newSender(t, smtp.Config{Host: ss.host, Port: ss.port, Security: smtp.SecurityNone, HELO: "client.test"})
}

// sizedMessage is a plain message whose rendered size is about n bytes.
func sizedMessage(t *testing.T, n int) (*connector.OutboundMessage, int) {
	t.Helper()
	m := &connector.OutboundMessage{
		MessageID: uniqueID(t, "size"),
		From:      connector.Address{Email: "support@example.com"},
		To:        []connector.Address{{Email: "customer@example.org"}},
		Subject:   "size",
	}
	base, err := mime.Render(m, mime.BuildOptions{})
	require.NoError(t, err)
	if pad := n - len(base); pad > 0 {
		// Short lines of plain ASCII stay the same size in quoted-printable.
		m.Text = strings.Repeat(strings.Repeat("x", 59)+"\n", pad/61+1)
	}
	raw, err := mime.Render(m, mime.BuildOptions{})
	require.NoError(t, err)
	return m, len(raw)
}

func TestSendRefusesOverServerSize(t *testing.T) {
	t.Parallel()
	ss := startScriptServer(t, "SIZE 1000", "8BITMIME")
	s := ss.sender(t)
	big, n := sizedMessage(t, 2000)
	require.Greater(t, n, 1000)

	_, err := s.Send(t.Context(), big)
	require.ErrorIs(t, err, connector.ErrPermanent)
	require.ErrorIs(t, err, smtp.ErrTooLarge)
	require.Contains(t, err.Error(), "at most 1000")
	require.Contains(t, err.Error(), "is "+strconv.Itoa(n)+" bytes")
	cmds := ss.commands()
	require.Contains(t, cmds, "EHLO", "the refusal must come from the server's EHLO")
	require.NotContains(t, cmds, "MAIL", "nothing may be sent: %v", cmds)
	require.NotContains(t, cmds, "RCPT", "nothing may be sent: %v", cmds)
	require.NotContains(t, cmds, "DATA", "nothing may be sent: %v", cmds)
	require.Empty(t, ss.received())

	small, n := sizedMessage(t, 500)
	require.Less(t, n, 1000)
	res, err := s.Send(t.Context(), small)
	require.NoError(t, err)
	require.Equal(t, small.MessageID, res.MessageID)
	got := ss.received()
	require.Len(t, got, 1)
	require.Len(t, got[0], n, "the size measured is the size sent")
}

func TestSendManyOverServerSizeFailsAlone(t *testing.T) {
	t.Parallel()
	ss := startScriptServer(t, "SIZE 1000")
	small, _ := sizedMessage(t, 500)
	big, _ := sizedMessage(t, 2000)
	small2, _ := sizedMessage(t, 600)
	results, errs := ss.sender(t).SendMany(t.Context(), []*connector.OutboundMessage{small, big, small2})
	require.NoError(t, errs[0])
	require.ErrorIs(t, errs[1], smtp.ErrTooLarge)
	require.ErrorIs(t, errs[1], connector.ErrPermanent)
	require.Nil(t, results[1])
	require.NoError(t, errs[2])
	require.Len(t, ss.received(), 2)
	mails := 0
	for _, c := range ss.commands() {
		if c == "MAIL" {
			mails++
		}
	}
	require.Equal(t, 2, mails, "no MAIL FROM for the refused message")
	require.Equal(t, 1, strings.Count(strings.Join(ss.commands(), " "), "EHLO"), "one connection for the batch")
}

func TestSendNoFixedServerSize(t *testing.T) {
	t.Parallel()
	for _, ext := range []string{"SIZE", "SIZE 0", "SIZE unlimited", "8BITMIME"} {
		t.Run(ext, func(t *testing.T) {
			t.Parallel()
			ss := startScriptServer(t, ext)
			big, n := sizedMessage(t, 200_000)
			_, err := ss.sender(t).Send(t.Context(), big)
			require.NoError(t, err)
			got := ss.received()
			require.Len(t, got, 1)
			require.Len(t, got[0], n)
		})
	}
}

func TestServerSizeErrorIsNotRetried(t *testing.T) {
	t.Parallel()
	ss := startScriptServer(t, "SIZE 100")
	m, _ := sizedMessage(t, 500)
	_, err := ss.sender(t).Send(t.Context(), m)
	var ce *connector.Error
	require.True(t, errors.As(err, &ce), "a *connector.Error: %v", err)
	require.Equal(t, 1, strings.Count(strings.Join(ss.commands(), " "), "EHLO"), "no reconnection")
}
