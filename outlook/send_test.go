package outlook

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
	"github.com/ucsp/integration/outlook/outlooktest"
)

func outbound(messageID string) *connector.OutboundMessage {
	return &connector.OutboundMessage{
		MessageID: messageID,
		From:      connector.Address{Name: "Support", Email: testUser},
		To:        []connector.Address{{Name: "Customer", Email: "customer@example.org"}},
		Bcc:       []connector.Address{{Email: "audit@contoso.example"}},
		Subject:   "Your order",
		Text:      "It ships today.",
	}
}

// Send posts base64 MIME as text/plain to /me/sendMail: the message
// arrives with the caller's Message-ID and the Bcc recipients, and
// FindSent then finds it in Sent Items by internetMessageId.
func TestSendMIME(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	out := outbound("send-1@contoso.example")
	res, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	require.Equal(t, out.MessageID, res.MessageID)
	req := f.srv.Requests("sendMail")[0]
	require.Equal(t, "text/plain", req.Header.Get("Content-Type"))
	sent := f.mb.Sent()
	require.Len(t, sent, 1)
	got, err := mime.Parse(sent[0], mime.ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, out.MessageID, got.MessageID)
	require.Equal(t, out.Bcc, got.Bcc, "Exchange takes Bcc recipients from the MIME")

	found, err := f.c.FindSent(context.Background(), out.MessageID)
	require.NoError(t, err)
	require.Equal(t, out.MessageID, found.MessageID)
	require.NotEmpty(t, found.ProviderID)
	require.Equal(t, "internetMessageId eq '<send-1@contoso.example>'", f.srv.Requests("messages.list")[0].Query.Get("$filter"))

	_, err = f.c.FindSent(context.Background(), "never@contoso.example")
	require.ErrorIs(t, err, connector.ErrNotFound)
	_, err = f.c.FindSent(context.Background(), "bad' or 1 eq 1")
	require.ErrorIs(t, err, connector.ErrPermanent)
}

// A reply naming the message it answers (ReplyToProviderID) gets
// In-Reply-To, References and "Re: subject" from it, and the
// conversation's id as ThreadID.
func TestSendReplyThreading(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	orig, err := f.mb.Insert(rawMessage("q2@example.org", "Where is my order?", "In-Reply-To: <q1@example.org>", "References: <q1@example.org>"), "")
	require.NoError(t, err)
	synced := syncAll(t, f.c, "").messages[0]

	out := outbound("reply-1@contoso.example")
	out.Subject, out.ReplyToProviderID = "", orig
	res, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	require.Equal(t, synced.ThreadID, res.ThreadID)
	got, err := mime.Parse(f.mb.Sent()[0], mime.ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"q2@example.org"}, got.InReplyTo)
	require.Equal(t, []string{"q1@example.org", "q2@example.org"}, got.References)
	require.Equal(t, "Re: Where is my order?", got.Subject)

	// Threading the caller set is kept as it is.
	out = outbound("reply-2@contoso.example")
	out.ReplyToProviderID, out.InReplyTo, out.References = orig, "other@example.org", []string{"other@example.org"}
	_, err = f.c.Send(context.Background(), out)
	require.NoError(t, err)
	got, err = mime.Parse(f.mb.Sent()[1], mime.ParseOptions{})
	require.NoError(t, err)
	require.Equal(t, []string{"other@example.org"}, got.InReplyTo)
	require.Equal(t, "Your order", got.Subject)

	out = outbound("reply-3@contoso.example")
	out.ReplyToProviderID = "no-such-message"
	_, err = f.c.Send(context.Background(), out)
	require.ErrorIs(t, err, connector.ErrNotFound)
	require.Len(t, f.mb.Sent(), 2)
}

// An invalid or oversized message is refused before any request.
func TestSendRefusesBadMessages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, outlooktest.Options{}, nil)
	bad := outbound("bad@contoso.example")
	bad.To, bad.Bcc = nil, nil
	_, err := f.c.Send(context.Background(), bad)
	var v *connector.ValidationError
	require.ErrorAs(t, err, &v)

	big := outbound("big@contoso.example")
	big.Attachments = []connector.OutboundAttachment{{Filename: "big.bin", Content: make([]byte, MaxMIMESend)}}
	_, err = f.c.Send(context.Background(), big)
	require.ErrorIs(t, err, connector.ErrPermanent)
	require.Zero(t, f.srv.Calls("sendMail"))
}
