package imap

import (
	"context"
	"errors"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
)

func outbound(id string) *connector.OutboundMessage {
	return &connector.OutboundMessage{
		MessageID: id,
		From:      connector.Address{Name: "Support", Email: "support@example.test"},
		To:        []connector.Address{{Email: "customer@example.test"}},
		Bcc:       []connector.Address{{Email: "audit@example.test"}},
		Subject:   "Re: your order",
		Text:      "It is on its way.",
	}
}

func TestSendWithoutSenderIsUnsupported(t *testing.T) {
	t.Parallel()
	srv := newMemServer(t, memOptions{})
	c := newConnector(t, srv.config())
	_, err := c.Send(context.Background(), outbound("a@example.test"))
	require.ErrorIs(t, err, connector.ErrUnsupported)
	require.ErrorContains(t, err, "Config.Sender")

	invalid := outbound("")
	_, err = c.Send(context.Background(), invalid)
	var ve *connector.ValidationError
	require.ErrorAs(t, err, &ve, "an invalid message is reported as such first")
}

func TestSendDelegatesAndFilesACopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newMemServer(t, memOptions{})
	adm := srv.admin()
	adm.create("Sent")
	sender := &recordingSender{}
	cfg := srv.config()
	cfg.Sender = sender // SentFolder "": the server marks none, so "Sent"
	c := newConnector(t, cfg)

	_, err := c.FindSent(ctx, "reply-1@example.test")
	require.ErrorIs(t, err, connector.ErrNotFound)

	res, err := c.Send(ctx, outbound("reply-1@example.test"))
	require.NoError(t, err)
	require.Equal(t, "250 2.0.0 queued", res.Response, "the sender's result is returned")
	require.Len(t, sender.sent, 1)

	found, err := c.FindSent(ctx, "reply-1@example.test")
	require.NoError(t, err)
	require.Equal(t, "reply-1@example.test", found.MessageID)
	require.Regexp(t, `^Sent/[A-Za-z0-9_-]{22}$`, found.ProviderID)

	uid, err := adm.uidOf("Sent", "reply-1@example.test")
	require.NoError(t, err)
	require.Contains(t, adm.flags("Sent", uid), imap.FlagSeen, "the copy is filed as read")

	// SEARCH HEADER matches substrings; FindSent does not.
	_, err = c.FindSent(ctx, "ply-1@example.test")
	require.ErrorIs(t, err, connector.ErrNotFound)
	_, err = c.FindSent(ctx, "<reply-1@example.test>")
	require.ErrorIs(t, err, connector.ErrPermanent)
}

func TestSendWithoutSentCopy(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newMemServer(t, memOptions{})
	srv.admin().create("Sent")
	cfg := srv.config()
	cfg.Sender = &recordingSender{}
	cfg.DisableSentCopy = true
	c := newConnector(t, cfg)
	_, err := c.Send(ctx, outbound("no-copy@example.test"))
	require.NoError(t, err)
	_, err = c.FindSent(ctx, "no-copy@example.test")
	require.ErrorIs(t, err, connector.ErrNotFound)
}

func TestSendErrorsAndFailedCopies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := newMemServer(t, memOptions{})
	cfg := srv.config()
	boom := connector.TemporaryError("smtp: send", errors.New("451 try later"))
	cfg.Sender = &recordingSender{err: boom}
	cfg.SentFolder = "Sent"
	_, err := newConnector(t, cfg).Send(ctx, outbound("x@example.test"))
	require.ErrorIs(t, err, boom, "the sender's error is returned as is")

	// The Sent folder does not exist: the message went out, so Send
	// succeeds and the failed copy is only logged.
	cfg.Sender = &recordingSender{}
	_, err = newConnector(t, cfg).Send(ctx, outbound("y@example.test"))
	require.NoError(t, err)
}
