package connectortest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// Conn is a connector to a Mailbox. Besides connector.Connector it
// implements connector.Listener, connector.SentFinder and
// connector.AttachmentFetcher.
type Conn struct {
	mb    *Mailbox
	creds connector.Credentials
}

var (
	_ connector.Connector         = (*Conn)(nil)
	_ connector.Listener          = (*Conn)(nil)
	_ connector.SentFinder        = (*Conn)(nil)
	_ connector.AttachmentFetcher = (*Conn)(nil)
)

// Provider returns MailboxOptions.Provider ("memory" by default).
func (c *Conn) Provider() string { return c.mb.opts.Provider }

func (c *Conn) check(ctx context.Context, op string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.mb.takeFailure(); err != nil {
		return err
	}
	if !c.mb.authorized(c.creds) {
		return connector.AuthError("connectortest: "+op, fmt.Errorf("invalid credentials"))
	}
	return nil
}

// Test checks the credentials.
func (c *Conn) Test(ctx context.Context) error { return c.check(ctx, "test") }

// Sync replays the mailbox's change log after cursor, in batches of
// MailboxOptions.BatchSize. A cursor from before a Reset (or not from this
// mailbox) starts over with a ChangeResync.
func (c *Conn) Sync(ctx context.Context, cursor connector.Cursor, fn connector.BatchFunc) error {
	if err := c.check(ctx, "sync"); err != nil {
		return err
	}
	c.mb.mu.Lock()
	epoch := c.mb.epoch
	c.mb.mu.Unlock()

	var from int64
	resync := false
	if !cursor.IsZero() {
		e, seq, err := parseCursor(cursor)
		if err != nil || e != epoch || seq > c.mb.logLen() {
			resync = true
		} else {
			from = seq
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, last, more, current := c.nextBatch(from, epoch)
		if !current {
			// Reset under us: start over in the new epoch.
			c.mb.mu.Lock()
			epoch = c.mb.epoch
			c.mb.mu.Unlock()
			from, resync = 0, true
			continue
		}
		if resync {
			b.Changes = slices.Insert(b.Changes, 0, connector.Change{Kind: connector.ChangeResync, Reason: "cursor no longer valid"})
			resync = false
		}
		if b.Len() == 0 && b.Cursor == cursor {
			return nil // nothing changed
		}
		if err := fn(ctx, b); err != nil {
			return err
		}
		if !more {
			return nil
		}
		from, cursor = last, b.Cursor
	}
}

// nextBatch builds the batch of log entries after from; current is false
// if the epoch changed.
func (c *Conn) nextBatch(from, epoch int64) (b *connector.Batch, last int64, more, current bool) {
	mb := c.mb
	mb.mu.Lock()
	defer mb.mu.Unlock()
	if mb.epoch != epoch {
		return nil, 0, false, false
	}
	b = &connector.Batch{}
	last = from
	for _, e := range mb.log[from:] {
		if b.Len() == mb.opts.BatchSize {
			more = true
			break
		}
		last = e.seq
		s := mb.msgs[e.providerID]
		switch e.kind {
		case entryDelivered:
			if s.deleted {
				continue // gone before anyone saw it
			}
			msg, err := c.messageLocked(s)
			if err != nil {
				continue // Deliver parsed it once; it cannot fail now
			}
			b.Messages = append(b.Messages, msg)
		case entryDeleted:
			b.Changes = append(b.Changes, connector.Change{Kind: connector.ChangeDeleted, ProviderID: s.providerID})
		case entryFlags:
			if !s.deleted {
				b.Changes = append(b.Changes, connector.Change{Kind: connector.ChangeFlags, ProviderID: s.providerID, Flags: slices.Clone(s.flags)})
			}
		}
	}
	b.Cursor = mb.cursor(last)
	return b, last, more, true
}

func (c *Conn) messageLocked(s *stored) (*connector.Message, error) {
	msg, err := mime.Parse(s.raw, mime.ParseOptions{})
	if err != nil {
		return nil, err
	}
	msg.ProviderID = s.providerID
	msg.ThreadID = s.threadID
	msg.ReceivedAt = s.received
	msg.Flags = slices.Clone(s.flags)
	msg.Folders = []string{"INBOX"}
	return msg, nil
}

// Send validates msg, renders it with the module's MIME builder and keeps
// it in the mailbox's sent list.
func (c *Conn) Send(ctx context.Context, msg *connector.OutboundMessage) (*connector.SendResult, error) {
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	if err := c.check(ctx, "send"); err != nil {
		return nil, err
	}
	raw, err := mime.Render(msg, mime.BuildOptions{IncludeBcc: true})
	if err != nil {
		return nil, err
	}
	mb := c.mb
	mb.mu.Lock()
	defer mb.mu.Unlock()
	s := &stored{
		providerID: fmt.Sprintf("sent%d", len(mb.sent)+1),
		messageID:  msg.MessageID,
		threadID:   msg.ThreadID,
		raw:        raw,
		received:   time.Now().UTC(),
	}
	mb.sent = append(mb.sent, s)
	return &connector.SendResult{ProviderID: s.providerID, ThreadID: s.threadID, MessageID: msg.MessageID, Response: "250 accepted"}, nil
}

// FindSent looks for a sent message by Message-ID.
func (c *Conn) FindSent(ctx context.Context, messageID string) (*connector.SendResult, error) {
	if err := c.check(ctx, "find sent"); err != nil {
		return nil, err
	}
	mb := c.mb
	mb.mu.Lock()
	defer mb.mu.Unlock()
	for _, s := range mb.sent {
		if s.messageID == messageID {
			return &connector.SendResult{ProviderID: s.providerID, ThreadID: s.threadID, MessageID: s.messageID}, nil
		}
	}
	return nil, connector.NotFoundError("connectortest: find sent", fmt.Errorf("no sent message <%s>", messageID))
}

// FetchAttachment returns the content of one attachment of a delivered
// message.
func (c *Conn) FetchAttachment(ctx context.Context, providerID, attachmentID string) (io.ReadCloser, error) {
	if err := c.check(ctx, "fetch attachment"); err != nil {
		return nil, err
	}
	mb := c.mb
	mb.mu.Lock()
	s, ok := mb.msgs[providerID]
	mb.mu.Unlock()
	if !ok || s.deleted {
		return nil, connector.NotFoundError("connectortest: fetch attachment", fmt.Errorf("no message %q", providerID))
	}
	msg, err := mime.Parse(s.raw, mime.ParseOptions{MaxAttachmentContent: int64(len(s.raw))})
	if err != nil {
		return nil, connector.PermanentError("connectortest: fetch attachment", err)
	}
	for _, a := range msg.Attachments {
		if a.ID == attachmentID {
			return io.NopCloser(bytes.NewReader(a.Content)), nil
		}
	}
	return nil, connector.NotFoundError("connectortest: fetch attachment", fmt.Errorf("message %q has no attachment %q", providerID, attachmentID))
}

// Listen calls notify whenever the mailbox changes, until ctx is done.
func (c *Conn) Listen(ctx context.Context, notify func(connector.Notification)) error {
	if err := c.check(ctx, "listen"); err != nil {
		return err
	}
	ch := make(chan struct{}, 1)
	mb := c.mb
	mb.mu.Lock()
	mb.listeners[ch] = struct{}{}
	mb.mu.Unlock()
	defer func() {
		mb.mu.Lock()
		delete(mb.listeners, ch)
		mb.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
			notify(connector.Notification{Folder: "INBOX", At: time.Now()})
		}
	}
}
