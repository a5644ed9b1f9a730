package gmailtest

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"slices"
	"strings"
)

// MaxSendSize is the largest message messages.send accepts, in bytes.
const MaxSendSize = 36_700_160

// sendRequest is the Message resource a messages.send call carries.
type sendRequest struct {
	Raw      string `json:"raw"`
	ThreadID string `json:"threadId"`
}

// sendMessage is messages.send: the message is filed with the SENT label
// (Sent returns it) in the thread named by threadId when Gmail's three
// conditions hold (threadId set, In-Reply-To or References naming a
// message of the thread, the same subject), in a new thread otherwise.
func (s *Server) sendMessage(w http.ResponseWriter, r *http.Request, mb *Mailbox) error {
	req, raw, err := readSend(r)
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return badRequest("'raw' RFC822 payload message string or uploading message via /upload/* URL required")
	}
	if len(raw) > MaxSendSize {
		return apiError{code: http.StatusRequestEntityTooLarge, reason: ReasonInvalidArgument, message: "Request Entity Too Large"}
	}
	if !hasRecipient(raw) {
		return badRequest("Recipient address required")
	}
	m, err := newMessage(raw)
	if err != nil {
		return badRequest("Invalid RFC 5322 message: " + err.Error())
	}
	m.labels = []string{LabelSent}
	mb.mu.Lock()
	if req.ThreadID != "" {
		first := mb.firstOfThreadLocked(req.ThreadID)
		if first == nil {
			mb.mu.Unlock()
			return notFound()
		}
		if sameSubject(first.subject, m.subject) && mb.refersToThreadLocked(m, req.ThreadID) {
			m.threadID = req.ThreadID
		}
	}
	pushes := mb.addLocked(m)
	out := wireMessage{ID: m.id, ThreadID: m.threadID, LabelIDs: slices.Clone(m.labels)}
	mb.mu.Unlock()
	s.push(pushes)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// readSend reads a messages.send request: JSON with a base64url raw
// field, or an upload (uploadType=media: the message itself;
// uploadType=multipart: JSON metadata, then the message).
func readSend(r *http.Request) (sendRequest, []byte, error) {
	var req sendRequest
	body := io.LimitReader(r.Body, 2*MaxSendSize)
	if !strings.HasPrefix(r.URL.Path, "/upload/") {
		if err := json.NewDecoder(body).Decode(&req); err != nil {
			return req, nil, badRequest("Invalid JSON payload received. " + err.Error())
		}
		raw, err := decodeRaw(req.Raw)
		return req, raw, err
	}
	switch r.URL.Query().Get("uploadType") {
	case "media":
		raw, err := io.ReadAll(body)
		return req, raw, err
	case "multipart":
		_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || params["boundary"] == "" {
			return req, nil, badRequest("Invalid multipart request")
		}
		mr := multipart.NewReader(body, params["boundary"])
		meta, err := mr.NextPart()
		if err != nil {
			return req, nil, badRequest("Invalid multipart request: " + err.Error())
		}
		if err := json.NewDecoder(meta).Decode(&req); err != nil && err != io.EOF {
			return req, nil, badRequest("Invalid JSON metadata: " + err.Error())
		}
		media, err := mr.NextPart()
		if err != nil {
			return req, nil, badRequest("Invalid multipart request: no media part")
		}
		raw, err := io.ReadAll(media)
		return req, raw, err
	default:
		return req, nil, badRequest("Invalid uploadType " + r.URL.Query().Get("uploadType"))
	}
}

// decodeRaw accepts the URL-safe base64 Gmail documents, and the
// standard alphabet, padded or not.
func decodeRaw(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	return nil, badRequest("Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed")
}

func hasRecipient(raw []byte) bool {
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		return false
	}
	for _, h := range []string{"To", "Cc", "Bcc"} {
		if list, err := msg.Header.AddressList(h); err == nil && len(list) > 0 {
			return true
		}
	}
	return false
}

func (mb *Mailbox) firstOfThreadLocked(threadID string) *message {
	for _, m := range mb.order {
		if !m.deleted && m.threadID == threadID {
			return m
		}
	}
	return nil
}

func (mb *Mailbox) refersToThreadLocked(m *message, threadID string) bool {
	for _, o := range mb.order {
		if !o.deleted && o.threadID == threadID && o.messageID != "" && slices.Contains(m.refs, o.messageID) {
			return true
		}
	}
	return false
}
