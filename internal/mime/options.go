package mime

import (
	"fmt"
	"net/textproto"
)

// The defaults of ParseOptions.
const (
	// DefaultMaxAttachmentContent is the largest decoded attachment whose
	// content Parse keeps in Attachment.Content: 1 MiB, enough for inline
	// images and small documents. Larger ones are left for the connector's
	// AttachmentFetcher.
	DefaultMaxAttachmentContent = 1 << 20
	// DefaultMaxDepth is how deeply multiparts and attached messages may
	// nest before Parse stops descending.
	DefaultMaxDepth = 32
	// DefaultMaxParts is how many MIME entities (multiparts, leaves and
	// attached messages) Parse looks at in one message.
	DefaultMaxParts = 1000
)

// maxProblems bounds Message.Problems.
const maxProblems = 100

// defaultHeaders are the headers Parse keeps in Message.Headers unless
// ParseOptions.Headers says otherwise: those a help desk uses to spot
// mailing lists, auto-replies and bounces (List-Id, List-Unsubscribe,
// Auto-Submitted, Precedence, X-Auto-Response-Suppress, X-Autoreply,
// X-Autorespond, X-Failed-Recipients, X-Loop), to route mail
// (Delivered-To, X-Original-To, Return-Path, Sender) and Outlook's
// threading and priority headers (Thread-Index, Thread-Topic,
// Importance, X-Priority).
var defaultHeaders = []string{
	"Auto-Submitted",
	"Delivered-To",
	"Importance",
	"List-Id",
	"List-Post",
	"List-Unsubscribe",
	"List-Unsubscribe-Post",
	"Precedence",
	"Return-Path",
	"Sender",
	"Thread-Index",
	"Thread-Topic",
	"X-Auto-Response-Suppress",
	"X-Autoreply",
	"X-Autorespond",
	"X-Failed-Recipients",
	"X-Loop",
	"X-Original-To",
	"X-Priority",
}

// ParseOptions tunes Parse. The zero value means the documented defaults.
type ParseOptions struct {
	// MaxAttachmentContent is the largest decoded size, in bytes, of an
	// attachment whose content is kept in Attachment.Content. Zero means
	// DefaultMaxAttachmentContent; a negative value keeps no content.
	MaxAttachmentContent int64
	// MaxDepth is how many levels of multiparts and attached messages
	// Parse descends into. A deeper part is reported as one opaque
	// attachment and a problem is recorded. Zero means DefaultMaxDepth.
	MaxDepth int
	// MaxParts is how many MIME entities Parse looks at; the rest of the
	// message is skipped and a problem is recorded. Zero means
	// DefaultMaxParts.
	MaxParts int
	// Headers names the headers kept in Message.Headers (any case; they
	// are stored under their canonical names, decoded, every occurrence in
	// order). Nil means the headers a help desk uses to spot mailing
	// lists, auto-replies and bounces, to route mail, and Outlook's
	// threading and priority headers (List-Id, Auto-Submitted,
	// Precedence, Delivered-To, Thread-Index, ...); an empty non-nil
	// slice keeps none.
	Headers []string
}

// resolved is ParseOptions with the defaults filled in.
type resolved struct {
	maxContent int64
	maxDepth   int
	maxParts   int
	headers    []string // canonical names
	// headerLens has bit n%64 set for every length n of headers: most
	// fields can be told apart from all of them with one test.
	headerLens uint64
}

// header returns the name in r.headers that name is (ASCII
// case-insensitive), if any.
func (r *resolved) header(name []byte) (string, bool) {
	if r.headerLens&(1<<(uint(len(name))%64)) == 0 {
		return "", false
	}
	for _, n := range r.headers {
		if equalFold(name, n) {
			return n, true
		}
	}
	return "", false
}

func (o ParseOptions) resolve() (resolved, error) {
	r := resolved{
		maxContent: o.MaxAttachmentContent,
		maxDepth:   o.MaxDepth,
		maxParts:   o.MaxParts,
		headers:    defaultHeaders,
	}
	switch {
	case r.maxContent == 0:
		r.maxContent = DefaultMaxAttachmentContent
	case r.maxContent < 0:
		r.maxContent = -1
	}
	switch {
	case r.maxDepth == 0:
		r.maxDepth = DefaultMaxDepth
	case r.maxDepth < 0:
		return r, fmt.Errorf("mime: ParseOptions.MaxDepth must not be negative, got %d", o.MaxDepth)
	}
	switch {
	case r.maxParts == 0:
		r.maxParts = DefaultMaxParts
	case r.maxParts < 0:
		return r, fmt.Errorf("mime: ParseOptions.MaxParts must not be negative, got %d", o.MaxParts)
	}
	if o.Headers != nil {
		r.headers = make([]string, 0, len(o.Headers))
		for _, h := range o.Headers {
			if h == "" {
				return r, fmt.Errorf("mime: ParseOptions.Headers has an empty name")
			}
			r.headers = append(r.headers, textproto.CanonicalMIMEHeaderKey(h))
		}
	}
	for _, h := range r.headers {
		r.headerLens |= 1 << (uint(len(h)) % 64)
	}
	return r, nil
}
