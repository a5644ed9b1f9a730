package imap

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// FetchAttachment returns the decoded content of attachment attachmentID
// (a MIME part number such as "2" or "2.1", as Message.Attachments gives
// it) of the message id, which may be its ProviderID or, cheaper, its
// ProviderRef (see locate). It reads the part with BINARY.PEEK[part]
// (RFC 3516) when the server has BINARY, so that the server decodes it;
// otherwise it fetches the message with BODY.PEEK[] and reads the part
// with the module's MIME parser. The content is read into memory before
// FetchAttachment returns. An unknown message or part gives an
// ErrNotFound error.
func (c *Connector) FetchAttachment(ctx context.Context, id, attachmentID string) (io.ReadCloser, error) {
	const op = "imap: fetch attachment"
	part, ok := parsePart(attachmentID)
	if !ok {
		return nil, connector.NotFoundError(op, fmt.Errorf("%q is not a MIME part number", attachmentID))
	}
	cn, err := c.pool.get(ctx, op)
	if err != nil {
		return nil, err
	}
	defer c.pool.put(cn)
	folder, uid, err := c.locate(ctx, cn, op, id)
	if err != nil {
		return nil, err
	}
	set := imap.UIDSetNum(imap.UID(uid))

	var bs imap.BodyStructure
	err = cn.fetchEach(ctx, set, &imap.FetchOptions{UID: true, BodyStructure: &imap.FetchItemBodyStructure{Extended: true}}, func(buf *imapclient.FetchMessageBuffer) error {
		bs = buf.BodyStructure
		return nil
	})
	if err != nil {
		return nil, classify(op, err)
	}
	if bs == nil {
		return nil, connector.NotFoundError(op, fmt.Errorf("no message with UID %d in %s", uid, quoteFolder(folder)))
	}
	if findPart(bs, part) == nil {
		return nil, connector.NotFoundError(op, fmt.Errorf("the message has no part %s", attachmentID))
	}

	var content []byte
	if cn.caps.Has(imap.CapBinary) {
		section := &imap.FetchItemBinarySection{Part: part, Peek: true}
		found := false
		err = cn.fetchEach(ctx, set, &imap.FetchOptions{UID: true, BinarySection: []*imap.FetchItemBinarySection{section}}, func(buf *imapclient.FetchMessageBuffer) error {
			content, found = buf.FindBinarySection(section), true
			return nil
		})
		if err != nil {
			var ie *imap.Error
			if !errors.As(err, &ie) || ie.Code != imap.ResponseCodeUnknownCTE {
				return nil, classify(op, err)
			}
			found = false // a transfer encoding the server cannot decode: parse it ourselves
		}
		if found {
			return io.NopCloser(bytes.NewReader(content)), nil
		}
	}
	var raw []byte
	err = cn.fetchEach(ctx, set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}, func(buf *imapclient.FetchMessageBuffer) error {
		raw = buf.FindBodySection(&imap.FetchItemBodySection{})
		return nil
	})
	if err != nil {
		return nil, classify(op, err)
	}
	msg, err := mime.Parse(raw, mime.ParseOptions{MaxAttachmentContent: math.MaxInt64})
	if err != nil {
		return nil, connector.PermanentError(op, err)
	}
	for _, a := range msg.Attachments {
		if a.ID == attachmentID {
			return io.NopCloser(bytes.NewReader(a.Content)), nil
		}
	}
	return nil, connector.NotFoundError(op, fmt.Errorf("part %s of the message is not an attachment", attachmentID))
}

// parsePart reads a part number such as "2.1".
func parsePart(s string) ([]int, bool) {
	if s == "" {
		return nil, false
	}
	var part []int
	for _, f := range strings.Split(s, ".") {
		n, err := strconv.Atoi(f)
		if err != nil || n < 1 || n > 10000 || f[0] == '+' || f[0] == '0' {
			return nil, false
		}
		part = append(part, n)
	}
	return part, true
}

// findPart returns the part of a message body bs numbered part (RFC 3501
// section 6.4.5), or nil.
func findPart(bs imap.BodyStructure, part []int) imap.BodyStructure {
	if len(part) == 0 {
		return bs
	}
	n, rest := part[0], part[1:]
	var child imap.BodyStructure
	switch b := bs.(type) {
	case *imap.BodyStructureMultiPart:
		if n > len(b.Children) {
			return nil
		}
		child = b.Children[n-1]
	case *imap.BodyStructureSinglePart:
		if n != 1 {
			return nil // a single-part body has only part 1
		}
		child = b
	default:
		return nil
	}
	if len(rest) == 0 {
		return child
	}
	switch ch := child.(type) {
	case *imap.BodyStructureMultiPart:
		return findPart(ch, rest)
	case *imap.BodyStructureSinglePart:
		if ch.MessageRFC822 != nil && ch.MessageRFC822.BodyStructure != nil {
			return findPart(ch.MessageRFC822.BodyStructure, rest)
		}
	}
	return nil
}
