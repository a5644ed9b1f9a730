package mime

import (
	"bytes"
	"fmt"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"github.com/ucsp/integration/connector"
)

// BuildOptions tunes Build and Render. The zero value is right for SMTP.
type BuildOptions struct {
	// Now gives the Date header's time; nil means time.Now. For tests.
	Now func() time.Time
	// IncludeBcc writes the Bcc recipients in a Bcc header.
	//
	// Leave it false for SMTP: go-mail never writes a Bcc header; the
	// SMTP client takes the Bcc recipients from the Msg for the envelope
	// (RCPT TO) only, so the other recipients do not see them. Set it for
	// providers that read the recipients from the raw message, such as
	// Gmail's messages.send, which removes the header before delivery.
	// Never send a Msg built with IncludeBcc over SMTP: every recipient
	// would see the Bcc list.
	IncludeBcc bool
}

// Build makes m into a go-mail Msg for the SMTP client. It calls
// m.Validate first and returns its error (a *connector.ValidationError)
// unchanged. A message that renders to more than connector.MaxOutboundSize
// bytes gives an error that is errors.Is(err, connector.ErrPermanent).
//
// The Msg carries: Message-ID <m.MessageID>; Date from opts.Now; From,
// To, Cc and Reply-To with display names RFC 2047-encoded when not ASCII;
// the Bcc recipients for the envelope (and in a header only with
// opts.IncludeBcc); Subject, RFC 2047-encoded when not ASCII; In-Reply-To
// <id> and References <id> <id> ...; m.Headers (several values of one
// name are written as one comma-separated field, go-mail's way); the text
// and HTML bodies (quoted-printable UTF-8, multipart/alternative when both
// are set, an empty text/plain when neither is); attachments with a
// ContentID as inline parts in multipart/related, the others as
// attachments in multipart/mixed. File names are written both RFC 2231
// (filename*) and, for older clients, RFC 2047-encoded in the
// Content-Type name. An attachment without a valid ContentType gets one
// from its file name's extension, else application/octet-stream. No
// User-Agent or X-Mailer is added.
//
// Build renders the message once to measure it; that also fixes its MIME
// boundaries, so writing the Msg again gives the same bytes.
func Build(m *connector.OutboundMessage, opts BuildOptions) (*gomail.Msg, error) {
	msg, err := build(m, opts, "mime: build")
	if err != nil {
		return nil, err
	}
	var c counter
	if _, err := msg.WriteTo(&c); err != nil {
		return nil, fmt.Errorf("mime: build: %w", err)
	}
	if c.n > connector.MaxOutboundSize {
		return nil, tooLarge("mime: build", c.n)
	}
	return msg, nil
}

// Render is Build then the RFC 5322 bytes of the message, with CRLF line
// ends, for providers that take raw MIME (Gmail's raw field, Graph's MIME
// send). For Gmail set opts.IncludeBcc.
func Render(m *connector.OutboundMessage, opts BuildOptions) ([]byte, error) {
	msg, err := build(m, opts, "mime: render")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(estimateSize(m))
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mime: render: %w", err)
	}
	if buf.Len() > connector.MaxOutboundSize {
		return nil, tooLarge("mime: render", int64(buf.Len()))
	}
	return buf.Bytes(), nil
}

// build validates m and assembles the Msg.
func build(m *connector.OutboundMessage, opts BuildOptions, op string) (*gomail.Msg, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	// Encoding can only grow a message: reject early what is too large
	// before encoding it.
	if n := int64(estimateSize(m)); n > connector.MaxOutboundSize {
		return nil, tooLarge(op, n)
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.SetMessageIDWithValue(m.MessageID)
	msg.SetDateWithValue(now())
	msg.FromMailAddress(mailAddress(m.From))
	if len(m.To) > 0 {
		msg.ToMailAddress(mailAddresses(m.To)...)
	}
	if len(m.Cc) > 0 {
		msg.CcMailAddress(mailAddresses(m.Cc)...)
	}
	if len(m.Bcc) > 0 {
		msg.BccMailAddress(mailAddresses(m.Bcc)...)
		if opts.IncludeBcc {
			vals := make([]string, len(m.Bcc))
			for i, a := range mailAddresses(m.Bcc) {
				vals[i] = a.String()
			}
			msg.SetGenHeader(gomail.Header(gomail.HeaderBcc), vals...)
		}
	}
	if len(m.ReplyTo) > 0 {
		msg.ReplyToMailAddress(mailAddresses(m.ReplyTo)...)
	}
	if m.Subject != "" {
		msg.Subject(validUTF8(m.Subject))
	}
	if m.InReplyTo != "" {
		msg.SetGenHeader(gomail.HeaderInReplyTo, "<"+m.InReplyTo+">")
	}
	if len(m.References) > 0 {
		msg.SetGenHeader(gomail.HeaderReferences, "<"+strings.Join(m.References, "> <")+">")
	}
	setExtraHeaders(msg, m.Headers)
	setBodies(msg, m)
	var files, embeds []*gomail.File
	for _, a := range m.Attachments {
		if contentID(a) != "" {
			embeds = append(embeds, attachmentFile(a))
		} else {
			files = append(files, attachmentFile(a))
		}
	}
	msg.SetEmbeds(embeds)
	msg.SetAttachments(files)
	return msg, nil
}

// setExtraHeaders adds m.Headers in name order. SetGenHeader encodes the
// values in place, so it gets copies.
func setExtraHeaders(msg *gomail.Msg, h connector.Header) {
	if len(h) == 0 {
		return
	}
	merged := make(map[string][]string, len(h))
	for k, vs := range h {
		ck := textproto.CanonicalMIMEHeaderKey(k)
		for _, v := range vs {
			merged[ck] = append(merged[ck], validUTF8(v))
		}
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		msg.SetGenHeader(gomail.Header(k), merged[k]...)
	}
}

func setBodies(msg *gomail.Msg, m *connector.OutboundMessage) {
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, validUTF8(m.Text))
		msg.AddAlternativeString(gomail.TypeTextHTML, validUTF8(m.HTML))
	case m.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, validUTF8(m.HTML))
	default:
		msg.SetBodyString(gomail.TypeTextPlain, validUTF8(m.Text))
	}
}

func mailAddress(a connector.Address) *mail.Address {
	return &mail.Address{Name: validUTF8(a.Name), Address: a.Email}
}

func mailAddresses(list []connector.Address) []*mail.Address {
	out := make([]*mail.Address, len(list))
	for i, a := range list {
		out[i] = mailAddress(a)
	}
	return out
}

func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(s, "\uFFFD")
}

// estimateSize is the size of m's bodies and attachments before encoding,
// a lower bound of the rendered size.
func estimateSize(m *connector.OutboundMessage) int {
	n := len(m.Text) + len(m.HTML)
	for _, a := range m.Attachments {
		n += len(a.Content)
	}
	return n
}

func tooLarge(op string, n int64) error {
	return connector.PermanentError(op, fmt.Errorf("message is %d bytes, more than the %d allowed", n, connector.MaxOutboundSize))
}

// counter is an io.Writer that counts.
type counter struct{ n int64 }

func (c *counter) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return len(b), nil
}
