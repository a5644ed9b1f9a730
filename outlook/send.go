package outlook

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	abs "github.com/microsoft/kiota-abstractions-go"
	"github.com/microsoftgraph/msgraph-sdk-go/users"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// MaxMIMESend is the largest rendered message Send accepts: Graph caps
// a sendMail request at 4 MB, and the MIME travels base64-encoded (4/3
// of its size). Larger messages need an upload session, which this
// package does not do yet.
const MaxMIMESend = 3 << 20

// Send sends msg with POST /me/sendMail, as MIME: the message rendered by
// the module's MIME builder (Bcc kept: Exchange takes the recipients
// from the headers and drops the Bcc header), base64-encoded as a
// text/plain body. MIME rather than Graph's JSON message keeps the
// headers exact: the caller's Message-ID (so that FindSent can find a
// retried send by its internetMessageId), In-Reply-To and References
// (by which Outlook and every other client thread the reply). Exchange
// saves the message in Sent Items.
//
// When msg.ReplyToProviderID names the message answered, Send fills what
// msg leaves empty from it (GET /me/messages/{id}): In-Reply-To and
// References from its internetMessageId and References header, the
// subject as "Re: " and its subject; SendResult.ThreadID is its
// conversationId.
//
// Only a 429 is retried (Graph refused the send before doing it).
// After a 5xx or a broken connection the outcome is unknown: the error
// is ErrTemporary, and the caller should ask FindSent before sending
// again.
func (c *Connector) Send(ctx context.Context, msg *connector.OutboundMessage) (*connector.SendResult, error) {
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	out := msg.Clone()
	var thread string
	if out.ReplyToProviderID != "" {
		var err error
		if thread, err = c.thread(ctx, out); err != nil {
			return nil, err
		}
	}
	raw, err := mime.Render(out, mime.BuildOptions{IncludeBcc: true})
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxMIMESend {
		return nil, connector.PermanentError("outlook: sendMail", fmt.Errorf("the message is %d bytes, more than the %d a MIME sendMail takes", len(raw), MaxMIMESend))
	}
	info := abs.NewRequestInformationWithMethodAndUrlTemplateAndPathParameters(abs.POST, "{+baseurl}/users/{user%2Did}/sendMail", map[string]string{"user%2Did": meToken})
	info.SetStreamContentAndContentType([]byte(base64.StdEncoding.EncodeToString(raw)), "text/plain")
	if err := c.adapter.SendNoContent(ctx, info, errorMapping); err != nil {
		return nil, classify("outlook: sendMail", err)
	}
	return &connector.SendResult{ThreadID: thread, MessageID: msg.MessageID}, nil
}

// thread completes m's threading from the message it answers and
// returns that message's conversationId.
func (c *Connector) thread(ctx context.Context, m *connector.OutboundMessage) (string, error) {
	cfg := &users.ItemMessagesMessageItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMessagesMessageItemRequestBuilderGetQueryParameters{Select: []string{"internetMessageId", "subject", "conversationId", "internetMessageHeaders"}},
	}
	orig, err := c.me().Messages().ByMessageId(m.ReplyToProviderID).Get(ctx, cfg)
	if err != nil {
		return "", classify("outlook: get the message replied to", err)
	}
	id := trimID(deref(orig.GetInternetMessageId()))
	if m.InReplyTo == "" && id != "" {
		var refs []string
		for _, h := range orig.GetInternetMessageHeaders() {
			if strings.EqualFold(deref(h.GetName()), "References") {
				refs = msgIDList(deref(h.GetValue()))
			}
		}
		m.InReplyTo, m.References = id, append(refs, id)
	}
	if m.Subject == "" {
		m.Subject = replySubject(deref(orig.GetSubject()))
	}
	return deref(orig.GetConversationId()), nil
}

// FindSent looks in Sent Items for a message whose internetMessageId is
// <messageID> (GET /me/mailFolders/sentitems/messages?$filter=...). It
// returns its SendResult, or an ErrNotFound error. Exchange files a sent
// message a moment after sendMail returns: one sent just now may not be
// found yet.
func (c *Connector) FindSent(ctx context.Context, messageID string) (*connector.SendResult, error) {
	if messageID == "" || strings.ContainsAny(messageID, "<> \t\r\n\"'") {
		return nil, connector.PermanentError("outlook: find sent", fmt.Errorf("%q is not a Message-ID without brackets", messageID))
	}
	filter := "internetMessageId eq '<" + messageID + ">'"
	top := int32(1)
	cfg := &users.ItemMailFoldersItemMessagesRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailFoldersItemMessagesRequestBuilderGetQueryParameters{
			Filter: &filter, Top: &top, Select: []string{"id", "conversationId", "internetMessageId"},
		},
	}
	page, err := c.me().MailFolders().ByMailFolderId("sentitems").Messages().Get(ctx, cfg)
	if err != nil {
		return nil, classify("outlook: find sent", err)
	}
	if len(page.GetValue()) == 0 {
		return nil, connector.NotFoundError("outlook: find sent", fmt.Errorf("no sent message <%s>", messageID))
	}
	m := page.GetValue()[0]
	return &connector.SendResult{ProviderID: deref(m.GetId()), ThreadID: deref(m.GetConversationId()), MessageID: messageID}, nil
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
