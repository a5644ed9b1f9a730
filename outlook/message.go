package outlook

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"golang.org/x/sync/errgroup"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// fetchMessages gets the MIME of each delta entry, MaxConcurrency at a
// time, and normalises it. Messages deleted meanwhile (404) are left out
// (the next delta round reports them removed); the order is kept.
func (c *Connector) fetchMessages(ctx context.Context, folder string, entries []models.Messageable) ([]*connector.Message, error) {
	out := make([]*connector.Message, len(entries))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.MaxConcurrency)
	for i, e := range entries {
		g.Go(func() error {
			raw, err := c.mimeOf(gctx, deref(e.GetId()))
			if errors.Is(err, connector.ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			out[i] = c.normalise(raw, folder, e)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	msgs := out[:0]
	for _, m := range out {
		if m != nil {
			msgs = append(msgs, m)
		}
	}
	return msgs, nil
}

// mimeOf reads a message's MIME: GET /me/messages/{id}/$value.
func (c *Connector) mimeOf(ctx context.Context, id string) ([]byte, error) {
	raw, err := c.me().Messages().ByMessageId(id).Content().Get(ctx, nil)
	if err != nil {
		return nil, classify("outlook: get message $value", err)
	}
	return raw, nil
}

// normalise parses raw with the module's parser and adds what Graph
// knows: id, conversation, received time, flags and folder.
func (c *Connector) normalise(raw []byte, folder string, e models.Messageable) *connector.Message {
	msg, err := mime.Parse(raw, c.parseOptions())
	if err != nil {
		// Parse keeps what it can; a message it cannot read at all is
		// still reported, so that it is not silently skipped.
		msg = &connector.Message{Problems: []string{"unparsable MIME: " + err.Error()}}
	}
	msg.ProviderID = deref(e.GetId())
	msg.ThreadID = deref(e.GetConversationId())
	if t := e.GetReceivedDateTime(); t != nil {
		msg.ReceivedAt = t.UTC()
	}
	if msg.MessageID == "" {
		msg.MessageID = trimID(deref(e.GetInternetMessageId()))
	}
	msg.Flags = flagsOf(e)
	msg.Folders = []string{folder}
	if msg.Size == 0 {
		msg.Size = int64(len(raw))
	}
	return msg
}

// flagsOf maps Graph's isRead, flag and isDraft to IMAP-style flags.
func flagsOf(e models.Messageable) []string {
	var f []string
	if deref(e.GetIsRead()) {
		f = append(f, connector.FlagSeen)
	}
	if fl := e.GetFlag(); fl != nil && fl.GetFlagStatus() != nil && *fl.GetFlagStatus() == models.FLAGGED_FOLLOWUPFLAGSTATUS {
		f = append(f, connector.FlagFlagged)
	}
	if deref(e.GetIsDraft()) {
		f = append(f, connector.FlagDraft)
	}
	return f
}

// FetchAttachment reads attachment attachmentID (a MIME part number, as
// the synced Message's Attachments carry) of message providerID from its
// MIME. An unknown message or part is an ErrNotFound error.
func (c *Connector) FetchAttachment(ctx context.Context, providerID, attachmentID string) (io.ReadCloser, error) {
	raw, err := c.mimeOf(ctx, providerID)
	if err != nil {
		return nil, err
	}
	msg, err := mime.Parse(raw, mime.ParseOptions{MaxAttachmentContent: int64(len(raw))})
	if err != nil {
		return nil, connector.PermanentError("outlook: fetch attachment", err)
	}
	for _, a := range msg.Attachments {
		if a.ID == attachmentID {
			return io.NopCloser(bytes.NewReader(a.Content)), nil
		}
	}
	return nil, connector.NotFoundError("outlook: fetch attachment", fmt.Errorf("message %s has no attachment %q", providerID, attachmentID))
}
