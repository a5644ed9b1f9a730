package connectortest

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

func (s *suite) reply() *connector.OutboundMessage {
	return &connector.OutboundMessage{
		MessageID:  "reply-" + s.run + "@connectortest.example",
		From:       connector.Address{Name: "Support", Email: "support@example.com"},
		To:         []connector.Address{{Name: "Zoë Kundin", Email: "customer@example.org"}},
		Subject:    "Re: Bestellung Nr. 1 – Lieferung verspätet ✉",
		Text:       "Guten Tag,\nIhre Bestellung ist unterwegs.",
		HTML:       "<p>Guten Tag,</p><p>Ihre Bestellung ist unterwegs.</p>",
		InReplyTo:  "ct-" + s.run + "-1@connectortest.example",
		References: []string{"ct-" + s.run + "-root@connectortest.example", "ct-" + s.run + "-1@connectortest.example"},
		Attachments: []connector.OutboundAttachment{{
			Filename: "sendungsverfolgung.pdf", ContentType: "application/pdf", Content: []byte("%PDF-1.4 tracking\x00\xff"),
		}},
	}
}

func (s *suite) sentMessages(t *testing.T) [][]byte {
	t.Helper()
	if s.Sent == nil {
		return nil
	}
	raw, err := s.Sent(s.ctx)
	require.NoError(t, err)
	return raw
}

func checkSend(t *testing.T, s *suite) {
	out := s.reply()
	before := len(s.sentMessages(t))
	res, err := s.Connector.Send(s.ctx, out)
	require.NoError(t, err)
	require.Equal(t, out.MessageID, res.MessageID)
	if s.Sent == nil {
		return
	}
	var raw []byte
	require.Eventually(t, func() bool {
		all := s.sentMessages(t)
		if len(all) > before {
			raw = all[len(all)-1]
			return true
		}
		return false
	}, 10*time.Second, 20*time.Millisecond, "the sent message did not arrive")
	got, err := mime.Parse(raw, mime.ParseOptions{MaxAttachmentContent: 1 << 20})
	require.NoError(t, err)
	require.Equal(t, out.MessageID, got.MessageID, "Message-ID must be the one the caller chose")
	require.Equal(t, []string{out.InReplyTo}, got.InReplyTo)
	require.Equal(t, out.References, got.References)
	require.Equal(t, out.Subject, got.Subject)
	require.Equal(t, []connector.Address{out.From}, got.From)
	require.Equal(t, out.To, got.To)
	require.Equal(t, out.Text, normalizeNewlines(got.Text))
	require.Equal(t, out.HTML, got.HTML)
	require.Len(t, got.Attachments, 1)
	require.Equal(t, "sendungsverfolgung.pdf", got.Attachments[0].Filename)
	require.Equal(t, out.Attachments[0].Content, got.Attachments[0].Content)
}

func checkSendInvalid(t *testing.T, s *suite) {
	before := len(s.sentMessages(t))
	bad := s.reply()
	bad.To = nil
	bad.Subject = "injected\r\nBcc: victim@example.com"
	_, err := s.Connector.Send(s.ctx, bad)
	require.ErrorIs(t, err, connector.ErrPermanent)
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)
	require.Len(t, s.sentMessages(t), before, "an invalid message was sent")
}

func checkSentFinder(t *testing.T, s *suite) {
	f, ok := s.Connector.(connector.SentFinder)
	if !ok {
		t.Skip("the connector is not a connector.SentFinder")
	}
	_, err := f.FindSent(s.ctx, "never-sent-"+s.run+"@connectortest.example")
	require.ErrorIs(t, err, connector.ErrNotFound)
	out := s.reply()
	_, err = s.Connector.Send(s.ctx, out)
	require.NoError(t, err)
	var found *connector.SendResult
	require.Eventually(t, func() bool {
		found, err = f.FindSent(s.ctx, out.MessageID)
		return err == nil
	}, 10*time.Second, 50*time.Millisecond, "a sent message was not found: %v", err)
	require.Equal(t, out.MessageID, found.MessageID)
}

func checkAttachmentFetcher(t *testing.T, s *suite) {
	f, ok := s.Connector.(connector.AttachmentFetcher)
	if !ok {
		t.Skip("the connector is not a connector.AttachmentFetcher")
	}
	sent := s.deliver(t, 3, 4) // message 3 has an attachment
	r := s.sync(t, "")
	got := r.byMessageID(sent[0].MessageID)
	require.NotNil(t, got)
	require.Len(t, got.Attachments, 1)
	rc, err := f.FetchAttachment(s.ctx, got.ProviderID, got.Attachments[0].ID)
	require.NoError(t, err)
	defer func() { _ = rc.Close() }()
	content, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.Equal(t, sent[0].Attachment, content)
	_, err = f.FetchAttachment(s.ctx, got.ProviderID, "no-such-attachment")
	require.ErrorIs(t, err, connector.ErrNotFound)
}

func checkListener(t *testing.T, s *suite) {
	l, ok := s.Connector.(connector.Listener)
	if !ok {
		t.Skip("the connector is not a connector.Listener")
	}
	ctx, cancel := context.WithCancel(s.ctx)
	notified := make(chan connector.Notification, 16)
	done := make(chan error, 1)
	go func() {
		done <- l.Listen(ctx, func(n connector.Notification) {
			select {
			case notified <- n:
			default:
			}
		})
	}()
	// Deliver until a notification comes: the listener may need a moment
	// to be in place, and must not miss mail delivered after it is.
	deadline := time.After(30 * time.Second)
	n := 0
	for got := false; !got; {
		s.deliver(t, n, n+1)
		n++
		select {
		case <-notified:
			got = true
		case <-time.After(500 * time.Millisecond):
		case <-deadline:
			t.Fatal("no notification after delivering new mail")
		case err := <-done:
			t.Fatalf("Listen returned early: %v", err)
		}
	}
	cancel()
	select {
	case err := <-done:
		require.True(t, errors.Is(err, context.Canceled) || err == nil, "Listen must return ctx.Err() when cancelled, got %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("Listen did not return after its context was cancelled")
	}
}
