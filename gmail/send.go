package gmail

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	gmailapi "google.golang.org/api/gmail/v1"
	"google.golang.org/api/googleapi"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// maxInlineSend is the largest message sent as a base64 "raw" field in
// a JSON body; larger ones go through the upload endpoint, as Google
// caps plain request bodies well below the 35 MB a message may have.
const maxInlineSend = 3 << 20

// MaxSendSize is the largest message, rendered, that messages.send
// accepts: 36,700,160 bytes (connector.MaxOutboundSize is the same
// figure). A service refuses a larger send before accepting it.
const MaxSendSize = connector.MaxOutboundSize

// Send sends msg with users.messages.send, rendered by the module's
// MIME builder with msg.MessageID as its Message-ID (Bcc kept in the
// raw message: Gmail takes the recipients from it and removes the
// header).
//
// A reply lands in its Gmail thread only when the request names the
// thread, the message's In-Reply-To or References names a message of
// it, and the subjects match. So Send files msg in msg.ThreadID, or,
// without one, in the thread of the message msg.InReplyTo names
// (found with an rfc822msgid: search); and for a thread it fills what
// msg leaves empty from the thread's newest message: In-Reply-To and
// References from its Message-ID and References, the subject as "Re: "
// and the thread's subject.
//
// Send retries only throttled attempts (Google refused them before
// doing anything). After a 5xx or a broken connection the outcome is
// unknown: the ErrTemporary error is returned and the caller should
// ask FindSent before sending again.
func (c *Connector) Send(ctx context.Context, msg *connector.OutboundMessage) (*connector.SendResult, error) {
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	out, err := c.thread(ctx, msg.Clone())
	if err != nil {
		return nil, err
	}
	raw, err := mime.Render(out, mime.BuildOptions{IncludeBcc: true})
	if err != nil {
		return nil, err
	}
	var sent *gmailapi.Message
	err = c.call(ctx, "messages.send", retryThrottled, func(ctx context.Context) error {
		body := &gmailapi.Message{ThreadId: out.ThreadID}
		if len(raw) <= maxInlineSend {
			body.Raw = base64.URLEncoding.EncodeToString(raw)
		}
		call := c.svc.Users.Messages.Send(me, body).Context(ctx)
		if len(raw) > maxInlineSend {
			call.Media(bytes.NewReader(raw), googleapi.ContentType("message/rfc822"), googleapi.ChunkSize(0))
		}
		var err error
		sent, err = call.Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	return &connector.SendResult{ProviderID: sent.Id, ThreadID: sent.ThreadId, MessageID: msg.MessageID}, nil
}

// thread completes m's threading as Send describes.
func (c *Connector) thread(ctx context.Context, m *connector.OutboundMessage) (*connector.OutboundMessage, error) {
	if m.ThreadID == "" && m.InReplyTo != "" {
		found, err := c.findByMessageID(ctx, m.InReplyTo, "")
		switch {
		case err == nil:
			m.ThreadID = found.ThreadId
		case !isNotFound(err):
			return nil, err
		}
	}
	if m.ThreadID == "" || (m.InReplyTo != "" && m.Subject != "") {
		return m, nil
	}
	t, err := c.threadHeaders(ctx, m.ThreadID)
	if err != nil {
		return nil, err
	}
	if m.InReplyTo == "" && t.lastID != "" {
		m.InReplyTo = t.lastID
		m.References = append(t.lastRefs, t.lastID)
	}
	if m.Subject == "" && t.subject != "" {
		m.Subject = replySubject(t.subject)
	}
	return m, nil
}

// threadInfo is what a reply takes from its thread.
type threadInfo struct {
	subject  string   // the first message's
	lastID   string   // the newest message's Message-ID
	lastRefs []string // and its References
}

func (c *Connector) threadHeaders(ctx context.Context, id string) (*threadInfo, error) {
	var t *gmailapi.Thread
	err := c.call(ctx, "threads.get", retryAll, func(ctx context.Context) error {
		var err error
		t, err = c.svc.Users.Threads.Get(me, id).Format("metadata").
			MetadataHeaders("Subject", "Message-ID", "References").Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	info := &threadInfo{}
	for i, m := range t.Messages {
		if m.Payload == nil {
			continue
		}
		var mid, refs, subj string
		for _, h := range m.Payload.Headers {
			switch strings.ToLower(h.Name) {
			case "message-id":
				mid = h.Value
			case "references":
				refs = h.Value
			case "subject":
				subj = h.Value
			}
		}
		if i == 0 {
			info.subject = subj
		}
		if id := trimID(mid); id != "" {
			info.lastID, info.lastRefs = id, msgIDList(refs)
		}
	}
	return info, nil
}

// replySubject is "Re: " and s, unless s is a reply's subject already.
func replySubject(s string) string {
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), "re:") {
		return s
	}
	return "Re: " + s
}

func trimID(s string) string { return strings.Trim(strings.TrimSpace(s), "<>") }

// msgIDList splits a References value into Message-IDs without
// brackets.
func msgIDList(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		if id := trimID(f); strings.Contains(id, "@") {
			out = append(out, id)
		}
	}
	return out
}

// findByMessageID finds the message whose Message-ID is id with an
// rfc822msgid: search, spam and trash included, in label when set.
func (c *Connector) findByMessageID(ctx context.Context, id, label string) (*gmailapi.Message, error) {
	if id == "" || strings.ContainsAny(id, "<> \t\r\n\"") {
		return nil, connector.PermanentError("gmail: find message", fmt.Errorf("%q is not a Message-ID without brackets", id))
	}
	var page *gmailapi.ListMessagesResponse
	err := c.call(ctx, "messages.list", retryAll, func(ctx context.Context) error {
		call := c.svc.Users.Messages.List(me).Q("rfc822msgid:" + id).IncludeSpamTrash(true).MaxResults(1).Context(ctx)
		if label != "" {
			call.LabelIds(label)
		}
		var err error
		page, err = call.Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(page.Messages) == 0 {
		return nil, connector.NotFoundError("gmail: find message", fmt.Errorf("no message <%s>", id))
	}
	return page.Messages[0], nil
}

// FindSent looks for a sent message (label SENT, trash included) whose
// Message-ID is messageID, with an rfc822msgid: search. It returns its
// SendResult, or an ErrNotFound error. Gmail's search index can lag a
// send by a little: a message sent a moment ago may not be found yet.
func (c *Connector) FindSent(ctx context.Context, messageID string) (*connector.SendResult, error) {
	m, err := c.findByMessageID(ctx, messageID, labelSent)
	if err != nil {
		return nil, err
	}
	return &connector.SendResult{ProviderID: m.Id, ThreadID: m.ThreadId, MessageID: messageID}, nil
}
