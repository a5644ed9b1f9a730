package gmail

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/gmail/gmailtest"
	"github.com/ucsp/integration/internal/mime"
)

// threadFixture is a mailbox holding a customer's message and the
// customer's follow-up in one thread.
func threadFixture(t *testing.T) (f *fixture, threadID string) {
	f = newFixture(t, gmailtest.Options{}, nil)
	first, err := f.mb.Insert(rawMessage("order-1@example.org", "Order 1 is late"))
	require.NoError(t, err)
	_, err = f.mb.Insert(rawMessage("order-1-again@example.org", "Re: Order 1 is late",
		"In-Reply-To: <order-1@example.org>", "References: <order-1@example.org>"))
	require.NoError(t, err)
	info, _ := f.mb.Message(first)
	require.Len(t, threadMembers(f, info.ThreadID), 2, "the follow-up joined the thread")
	return f, info.ThreadID
}

func threadMembers(f *fixture, threadID string) []string {
	var ids []string
	for _, m := range f.mb.Messages() {
		if m.ThreadID == threadID {
			ids = append(ids, m.MessageID)
		}
	}
	return ids
}

func reply(id string) *connector.OutboundMessage {
	return &connector.OutboundMessage{
		MessageID: id,
		From:      connector.Address{Name: "Support", Email: testUser},
		To:        []connector.Address{{Email: "customer@example.org"}},
		Text:      "It is on its way.",
	}
}

func parseSent(t *testing.T, f *fixture, providerID string) *connector.Message {
	t.Helper()
	info, ok := f.mb.Message(providerID)
	require.True(t, ok)
	m, err := mime.Parse(info.Raw, mime.ParseOptions{})
	require.NoError(t, err)
	return m
}

// A reply with threadId, In-Reply-To, References and the thread's
// subject lands in the thread.
func TestSendReplyInThread(t *testing.T) {
	t.Parallel()
	f, thread := threadFixture(t)
	out := reply("r1@example.com")
	out.ThreadID, out.Subject = thread, "Re: Order 1 is late"
	out.InReplyTo, out.References = "order-1-again@example.org", []string{"order-1@example.org", "order-1-again@example.org"}
	res, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	require.Equal(t, thread, res.ThreadID)
	require.Equal(t, "r1@example.com", res.MessageID)
	got := parseSent(t, f, res.ProviderID)
	require.Equal(t, []string{"order-1-again@example.org"}, got.InReplyTo)
	require.Equal(t, out.References, got.References)
	require.Equal(t, "r1@example.com", got.MessageID)
	require.Len(t, threadMembers(f, thread), 3)
}

// Without a thread id, the thread of the message In-Reply-To names is
// found with an rfc822msgid: search.
func TestSendFindsThreadByInReplyTo(t *testing.T) {
	t.Parallel()
	f, thread := threadFixture(t)
	out := reply("r2@example.com")
	out.Subject, out.InReplyTo, out.References = "Re: Order 1 is late", "order-1@example.org", []string{"order-1@example.org"}
	res, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	require.Equal(t, thread, res.ThreadID)
	require.Equal(t, "rfc822msgid:order-1@example.org", f.srv.Requests("messages.list")[0].Query.Get("q"))
}

// With only a thread id, In-Reply-To, References and the subject come
// from the thread: the newest message's ids, the first one's subject.
func TestSendFillsThreadingFromThread(t *testing.T) {
	t.Parallel()
	f, thread := threadFixture(t)
	out := reply("r3@example.com")
	out.ThreadID = thread
	res, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	require.Equal(t, thread, res.ThreadID)
	got := parseSent(t, f, res.ProviderID)
	require.Equal(t, "Re: Order 1 is late", got.Subject)
	require.Equal(t, []string{"order-1-again@example.org"}, got.InReplyTo)
	require.Equal(t, []string{"order-1@example.org", "order-1-again@example.org"}, got.References)
	req := f.srv.Requests("threads.get")[0]
	require.Equal(t, "metadata", req.Query.Get("format"))
}

// A reply to a message the mailbox does not have starts a new thread; a
// thread id Gmail does not know is ErrNotFound.
func TestSendThreadNotFound(t *testing.T) {
	t.Parallel()
	f, thread := threadFixture(t)
	out := reply("r4@example.com")
	out.Subject, out.InReplyTo = "Re: elsewhere", "unknown@example.org"
	res, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	require.NotEqual(t, thread, res.ThreadID)

	out = reply("r5@example.com")
	out.ThreadID = "18f0000000000000"
	_, err = f.c.Send(context.Background(), out)
	require.ErrorIs(t, err, connector.ErrNotFound)
	require.Len(t, f.mb.Sent(), 1)
}

// Bcc recipients stay in the raw message: Gmail takes recipients from
// it.
func TestSendKeepsBcc(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	out := reply("bcc@example.com")
	out.Subject = "Hi"
	out.To = nil
	out.Bcc = []connector.Address{{Email: "hidden@example.org"}}
	_, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	require.Contains(t, string(f.mb.Sent()[0]), "Bcc: <hidden@example.org>")
}

// A message too large for a JSON body goes through the upload endpoint
// (multipart: metadata with the thread id, then the message).
func TestSendLargeUsesUpload(t *testing.T) {
	t.Parallel()
	f, thread := threadFixture(t)
	out := reply("big@example.com")
	out.ThreadID = thread
	out.Attachments = []connector.OutboundAttachment{{Filename: "big.bin", Content: bytes.Repeat([]byte{0xA5}, 4<<20)}}
	res, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	req := f.srv.Requests("messages.send")[0]
	require.True(t, strings.HasPrefix(req.Path, "/upload/"), req.Path)
	require.Equal(t, "multipart", req.Query.Get("uploadType"))
	require.Equal(t, thread, res.ThreadID)
	got, err := mime.Parse(f.mb.Sent()[0], mime.ParseOptions{MaxAttachmentContent: 8 << 20})
	require.NoError(t, err)
	require.Equal(t, out.Attachments[0].Content, got.Attachments[0].Content)
}

// A send whose outcome is unknown (5xx) is not repeated; a throttled
// one (refused before anything was done) is.
func TestSendRetries(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	out := reply("once@example.com")
	out.Subject = "Hi"
	f.srv.InjectFault(gmailtest.Fault{Method: "messages.send", Status: 500})
	_, err := f.c.Send(context.Background(), out)
	require.ErrorIs(t, err, connector.ErrTemporary)
	require.Equal(t, 1, f.srv.Calls("messages.send"))

	f.srv.InjectFault(gmailtest.Fault{Method: "messages.send", Status: 429})
	_, err = f.c.Send(context.Background(), out)
	require.NoError(t, err)
	require.Equal(t, 3, f.srv.Calls("messages.send"))
	require.Len(t, f.mb.Sent(), 1)
}

// FindSent finds a sent message by Message-ID (rfc822msgid: among SENT),
// not a received one with the same id.
func TestFindSent(t *testing.T) {
	t.Parallel()
	f := newFixture(t, gmailtest.Options{}, nil)
	_, err := f.mb.Insert(rawMessage("dup@example.com", "inbound"))
	require.NoError(t, err)
	_, err = f.c.FindSent(context.Background(), "dup@example.com")
	require.ErrorIs(t, err, connector.ErrNotFound)

	out := reply("dup@example.com")
	out.Subject = "Hi"
	sent, err := f.c.Send(context.Background(), out)
	require.NoError(t, err)
	found, err := f.c.FindSent(context.Background(), "dup@example.com")
	require.NoError(t, err)
	require.Equal(t, sent, found)
	q := f.srv.Requests("messages.list")
	require.Equal(t, []string{"SENT"}, q[len(q)-1].Query["labelIds"])
	require.Equal(t, "true", q[len(q)-1].Query.Get("includeSpamTrash"))

	_, err = f.c.FindSent(context.Background(), "<bad id>")
	require.ErrorIs(t, err, connector.ErrPermanent)
}
