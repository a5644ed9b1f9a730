package outlooktest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/ucsp/integration/connector"
	imime "github.com/ucsp/integration/internal/mime"
)

// maxRequestBody is Graph's limit on a request body (4 MB for JSON;
// MIME sends up to 150 MB go through upload sessions, not served here).
const maxRequestBody = 4 << 20

type wireAddress struct {
	EmailAddress struct {
		Name    string `json:"name"`
		Address string `json:"address"`
	} `json:"emailAddress"`
}

type wireBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

// wireMessage is the part of Graph's message resource a client sends.
type wireMessage struct {
	Subject           string        `json:"subject"`
	Body              *wireBody     `json:"body"`
	ToRecipients      []wireAddress `json:"toRecipients"`
	CcRecipients      []wireAddress `json:"ccRecipients"`
	BccRecipients     []wireAddress `json:"bccRecipients"`
	ReplyTo           []wireAddress `json:"replyTo"`
	InternetMessageID string        `json:"internetMessageId"`
}

func addresses(in []wireAddress) []connector.Address {
	var out []connector.Address
	for _, a := range in {
		out = append(out, connector.Address{Name: a.EmailAddress.Name, Email: a.EmailAddress.Address})
	}
	return out
}

// readSend reads a send body: base64 MIME as text/plain, or JSON into v.
// It returns the MIME, or nil for JSON.
func readSend(r *http.Request, v any) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBody+1))
	if err != nil {
		return nil, badRequest("reading the body: " + err.Error())
	}
	if len(body) > maxRequestBody {
		return nil, graphError{status: http.StatusRequestEntityTooLarge, code: "RequestBodyTooLarge", message: "The request body is too large."}
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "text/plain" {
		raw, err := base64.StdEncoding.DecodeString(strings.Map(dropSpace, string(body)))
		if err != nil {
			return nil, badRequest("Invalid base64 string for MIME content.")
		}
		if _, err := imime.Parse(raw, imime.ParseOptions{MaxAttachmentContent: -1}); err != nil {
			return nil, badRequest("Invalid MIME content: " + err.Error())
		}
		return raw, nil
	}
	if ct != "application/json" {
		return nil, graphError{status: http.StatusUnsupportedMediaType, code: "UnsupportedMediaType", message: "Content-Type " + ct + " is not supported"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		return nil, badRequest("Unable to read JSON request payload: " + err.Error())
	}
	return nil, nil
}

func dropSpace(r rune) rune {
	if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
		return -1
	}
	return r
}

// sendMail serves POST /me/sendMail, with a JSON {message,
// saveToSentItems} or a base64 MIME text/plain body: the message is kept
// (Sent) and, unless saveToSentItems is false, put into sentitems. 202.
func (s *Server) sendMail(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	var req struct {
		Message         *wireMessage `json:"message"`
		SaveToSentItems *bool        `json:"saveToSentItems"`
	}
	raw, err := readSend(r, &req)
	if err != nil {
		return err
	}
	if raw == nil {
		if req.Message == nil {
			return badRequest("Empty Payload. JSON content expected.")
		}
		out := &connector.OutboundMessage{
			MessageID: strings.Trim(req.Message.InternetMessageID, "<>"),
			From:      connector.Address{Email: mb.email},
			To:        addresses(req.Message.ToRecipients), Cc: addresses(req.Message.CcRecipients),
			Bcc: addresses(req.Message.BccRecipients), ReplyTo: addresses(req.Message.ReplyTo),
			Subject: req.Message.Subject,
		}
		setBody(out, req.Message.Body)
		if raw, err = s.render(out, mb); err != nil {
			return err
		}
	}
	return s.storeSent(w, mb, raw, req.SaveToSentItems == nil || *req.SaveToSentItems)
}

func setBody(out *connector.OutboundMessage, b *wireBody) {
	if b == nil {
		return
	}
	if strings.EqualFold(b.ContentType, "html") {
		out.HTML = b.Content
	} else {
		out.Text = b.Content
	}
}

// render makes out MIME, as Exchange does for a JSON message.
func (s *Server) render(out *connector.OutboundMessage, mb *Mailbox) ([]byte, error) {
	if out.MessageID == "" {
		_, domain, _ := strings.Cut(mb.email, "@")
		out.MessageID = connector.NewMessageID(domain)
	}
	raw, err := imime.Render(out, imime.BuildOptions{IncludeBcc: true, Now: s.opts.Now})
	if err != nil {
		return nil, badRequest("The message cannot be sent: " + err.Error())
	}
	return raw, nil
}

func (s *Server) storeSent(w http.ResponseWriter, mb *Mailbox, raw []byte, save bool) error {
	if save {
		if _, err := mb.Insert(raw, SentItems); err != nil {
			return badRequest(err.Error())
		}
	}
	s.mu.Lock()
	mb.sent = append(mb.sent, raw)
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// reply serves POST /me/messages/{id}/reply: JSON {comment, message} or
// base64 MIME. A JSON reply goes to the original's sender with
// "RE: subject", In-Reply-To and References set from the original, as
// Exchange does; a MIME reply is sent as it is.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	orig, err := s.lookup(mb, r.PathValue("id"))
	if err != nil {
		return err
	}
	var req struct {
		Comment string       `json:"comment"`
		Message *wireMessage `json:"message"`
	}
	raw, err := readSend(r, &req)
	if err != nil {
		return err
	}
	if raw == nil {
		p := orig.parsed
		out := &connector.OutboundMessage{
			From: connector.Address{Email: mb.email}, To: p.From, Subject: "RE: " + p.Subject,
			Text: req.Comment, InReplyTo: p.MessageID, References: append(append([]string(nil), p.References...), p.MessageID),
		}
		if req.Message != nil {
			if to := addresses(req.Message.ToRecipients); len(to) > 0 {
				out.To = to
			}
			out.Cc = addresses(req.Message.CcRecipients)
			if req.Message.Body != nil && req.Comment == "" {
				setBody(out, req.Message.Body)
			}
		}
		if raw, err = s.render(out, mb); err != nil {
			return err
		}
	}
	return s.storeSent(w, mb, bytes.Clone(raw), true)
}
