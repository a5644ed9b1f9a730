package gmail

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// FetchAttachment returns the decoded content of attachment
// attachmentID (the MIME part number a synced Message's Attachment.ID
// gives) of message providerID. It gets the raw message (messages.get,
// 5 units) and decodes the part; an unknown message or part is an
// ErrNotFound error.
func (c *Connector) FetchAttachment(ctx context.Context, providerID, attachmentID string) (io.ReadCloser, error) {
	gm, err := c.getRaw(ctx, providerID)
	if err != nil {
		return nil, err
	}
	raw, err := decodeRaw(gm.Raw)
	if err != nil {
		return nil, connector.PermanentError("gmail: fetch attachment", fmt.Errorf("raw content of %s: %w", providerID, err))
	}
	m, err := mime.Parse(raw, mime.ParseOptions{MaxAttachmentContent: int64(len(raw)) + 1})
	if err != nil {
		return nil, connector.PermanentError("gmail: fetch attachment", err)
	}
	for _, a := range m.Attachments {
		if a.ID == attachmentID {
			return io.NopCloser(bytes.NewReader(a.Content)), nil
		}
	}
	return nil, connector.NotFoundError("gmail: fetch attachment", fmt.Errorf("message %s has no attachment %q", providerID, attachmentID))
}
