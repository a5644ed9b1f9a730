package smtp_test

import (
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/smtp"
)

func batch(t testing.TB, n int) []*connector.OutboundMessage {
	msgs := make([]*connector.OutboundMessage, n)
	for i := range msgs {
		msgs[i] = simple(t)
	}
	return msgs
}

func requireDelivered(t *testing.T, ts *testServer, want []*connector.OutboundMessage) {
	t.Helper()
	got := ts.received()
	require.Len(t, got, len(want))
	for i, m := range want {
		requireSameMessage(t, m, got[i].Raw)
	}
}

func TestSendManyOneConnection(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{TLS: "starttls", Mechs: []string{"PLAIN"}, Users: map[string]string{"u": "pw"}})
	cfg := ts.config(t, smtp.SecurityStartTLS)
	cfg.Username, cfg.Password = "u", "pw"
	msgs := batch(t, 20)
	msgs[7] = reply(t)

	results, errs := newSender(t, cfg).SendMany(t.Context(), msgs)
	require.Len(t, results, len(msgs))
	require.Len(t, errs, len(msgs))
	for i, m := range msgs {
		require.NoError(t, errs[i])
		require.Equal(t, m.MessageID, results[i].MessageID)
		require.NotEmpty(t, results[i].Response)
	}
	require.Equal(t, int64(1), ts.conns.Load(), "one connection for the whole batch")
	require.Equal(t, int64(1), ts.auths.Load(), "one AUTH for the whole batch")
	requireDelivered(t, ts, msgs)
}

func TestSendManyPerMessageErrors(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{Rcpt: func(to string) error {
		switch to {
		case "nobody@example.org":
			return smtpErr(550, "No such user")
		case "full@example.org":
			return smtpErr(452, "Mailbox full")
		}
		return nil
	}})
	msgs := batch(t, 6)
	msgs[1].To = nil // invalid: refused before sending
	msgs[2].To = []connector.Address{{Email: "nobody@example.org"}}
	msgs[4].Cc = []connector.Address{{Email: "full@example.org"}}

	results, errs := newSender(t, ts.config(t, smtp.SecurityNone)).SendMany(t.Context(), msgs)
	var v *connector.ValidationError
	require.ErrorAs(t, errs[1], &v)
	require.ErrorIs(t, errs[2], connector.ErrPermanent)
	require.ErrorIs(t, errs[4], connector.ErrTemporary)
	for _, i := range []int{0, 3, 5} {
		require.NoError(t, errs[i])
		require.Equal(t, msgs[i].MessageID, results[i].MessageID)
	}
	for _, i := range []int{1, 2, 4} {
		require.Nil(t, results[i])
	}
	require.Equal(t, int64(1), ts.conns.Load(), "a refused message must not cost the connection")
	requireDelivered(t, ts, []*connector.OutboundMessage{msgs[0], msgs[3], msgs[5]})
}

func TestSendManyReconnectsAtServerLimit(t *testing.T) {
	t.Parallel()
	// The server answers 421 to MAIL FROM after 3 messages and closes.
	ts := startServer(t, serverOptions{TLS: "starttls", PerConnLimit: 3})
	msgs := batch(t, 7)
	_, errs := newSender(t, ts.config(t, smtp.SecurityStartTLS)).SendMany(t.Context(), msgs)
	for i := range msgs {
		require.NoError(t, errs[i], "message %d", i)
	}
	require.Equal(t, int64(3), ts.conns.Load())
	requireDelivered(t, ts, msgs)
}

func TestSendManyDialFailureFailsAll(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{TLS: "starttls", Mechs: []string{"PLAIN"}, Users: map[string]string{"u": "pw"}})
	cfg := ts.config(t, smtp.SecurityStartTLS)
	cfg.Username, cfg.Password = "u", "wrong"
	msgs := batch(t, 5)
	msgs[0].From.Email = "not an address" // fails alone, before any connection

	results, errs := newSender(t, cfg).SendMany(t.Context(), msgs)
	require.ErrorIs(t, errs[0], connector.ErrPermanent)
	for i := 1; i < len(msgs); i++ {
		require.ErrorIs(t, errs[i], connector.ErrAuth, "message %d", i)
		require.Nil(t, results[i])
	}
	require.Equal(t, int64(1), ts.conns.Load(), "one failed connection, not one per message")
	require.Empty(t, ts.received())
}

func TestSendManyEmptyDialsNothing(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{})
	s := newSender(t, ts.config(t, smtp.SecurityNone))
	results, errs := s.SendMany(t.Context(), nil)
	require.Empty(t, results)
	require.Empty(t, errs)
	bad := simple(t)
	bad.MessageID = "<no brackets please>"
	_, errs = s.SendMany(t.Context(), []*connector.OutboundMessage{bad})
	require.ErrorIs(t, errs[0], connector.ErrPermanent)
	require.Zero(t, ts.conns.Load())
}

func TestSessionReconnectsAfterServerClosed(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{TLS: "implicit"})
	ss, err := newSender(t, ts.config(t, smtp.SecurityTLS)).Dial(t.Context())
	require.NoError(t, err)
	defer func() { _ = ss.Close() }()
	msgs := batch(t, 3)

	_, err = ss.Send(t.Context(), msgs[0])
	require.NoError(t, err)
	_, err = ss.Send(t.Context(), msgs[1])
	require.NoError(t, err)
	require.Equal(t, int64(1), ts.conns.Load())

	ts.dropConnections() // an idle timeout on the server's side
	_, err = ss.Send(t.Context(), msgs[2])
	require.NoError(t, err)
	require.Equal(t, int64(2), ts.conns.Load())
	requireDelivered(t, ts, msgs)
}

func TestSessionSurvivesRefusedMessage(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	ts := startServer(t, serverOptions{Data: func(int) error {
		if calls.Add(1) == 1 {
			return smtpErr(554, "Message refused")
		}
		return nil
	}})
	ss, err := newSender(t, ts.config(t, smtp.SecurityNone)).Dial(t.Context())
	require.NoError(t, err)
	defer func() { _ = ss.Close() }()
	_, err = ss.Send(t.Context(), simple(t))
	require.ErrorIs(t, err, connector.ErrPermanent)
	ok := simple(t)
	_, err = ss.Send(t.Context(), ok)
	require.NoError(t, err)
	require.Equal(t, int64(1), ts.conns.Load())
	requireDelivered(t, ts, []*connector.OutboundMessage{ok})
}

func TestSessionClosed(t *testing.T) {
	t.Parallel()
	ts := startServer(t, serverOptions{})
	ss, err := newSender(t, ts.config(t, smtp.SecurityNone)).Dial(t.Context())
	require.NoError(t, err)
	require.NoError(t, ss.Close())
	require.NoError(t, ss.Close(), "Close twice")
	_, err = ss.Send(t.Context(), simple(t))
	require.ErrorIs(t, err, smtp.ErrClosed)
	require.Equal(t, int64(1), ts.conns.Load(), "no reconnection after Close")
}
