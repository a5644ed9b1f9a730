package gmail

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// The system labels the connector looks at.
const (
	labelUnread  = "UNREAD"
	labelStarred = "STARRED"
	labelDraft   = "DRAFT"
	labelSpam    = "SPAM"
	labelTrash   = "TRASH"
	labelChat    = "CHAT"
	labelSent    = "SENT"
)

// inScope reports whether a message with labels is one the connector
// syncs: it has Config.Label (or, for AllMail, is no draft or chat), and
// is in neither spam nor trash unless Config.IncludeSpamTrash.
func (c *Connector) inScope(labels []string) bool {
	if !c.cfg.IncludeSpamTrash && (slices.Contains(labels, labelSpam) || slices.Contains(labels, labelTrash)) {
		return false
	}
	return c.hasLabel(labels)
}

// hasLabel reports whether labels hold Config.Label (for AllMail: are
// no draft's or chat's), whether in spam or trash or not.
func (c *Connector) hasLabel(labels []string) bool {
	if c.cfg.Label == AllMail {
		return !slices.Contains(labels, labelDraft) && !slices.Contains(labels, labelChat)
	}
	return slices.Contains(labels, c.cfg.Label)
}

// flagsOf maps Gmail labels to IMAP-style flags: no UNREAD is \Seen,
// STARRED is \Flagged, DRAFT is \Draft.
func flagsOf(labels []string) []string {
	var f []string
	if !slices.Contains(labels, labelUnread) {
		f = append(f, connector.FlagSeen)
	}
	if slices.Contains(labels, labelStarred) {
		f = append(f, connector.FlagFlagged)
	}
	if slices.Contains(labels, labelDraft) {
		f = append(f, connector.FlagDraft)
	}
	return f
}

// fetchMessages gets the messages ids in the raw format, Concurrency at
// a time, and parses them. Messages deleted meanwhile (404) are left
// out; the order of ids is kept.
func (c *Connector) fetchMessages(ctx context.Context, ids []string) ([]*connector.Message, error) {
	out := make([]*connector.Message, len(ids))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Concurrency)
	for i, id := range ids {
		g.Go(func() error {
			m, err := c.fetchMessage(gctx, id)
			if errors.Is(err, connector.ErrNotFound) {
				return nil
			}
			out[i] = m
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	return slices.DeleteFunc(out, func(m *connector.Message) bool { return m == nil }), nil
}

// fetchMessage gets one message in the raw format and parses it.
func (c *Connector) fetchMessage(ctx context.Context, id string) (*connector.Message, error) {
	gm, err := c.getRaw(ctx, id)
	if err != nil {
		return nil, err
	}
	return c.toMessage(gm, c.parseOptions()), nil
}

func (c *Connector) getRaw(ctx context.Context, id string) (*gmailapi.Message, error) {
	var gm *gmailapi.Message
	err := c.call(ctx, "messages.get", retryAll, func(ctx context.Context) error {
		var err error
		gm, err = c.svc.Users.Messages.Get(me, id).Format("raw").Context(ctx).Do()
		return err
	})
	return gm, err
}

// toMessage parses gm's raw content with the module's MIME parser and
// adds what Gmail knows: id, thread, labels (as flags too) and
// internalDate. A message that cannot be decoded is kept, with its
// problems listed.
func (c *Connector) toMessage(gm *gmailapi.Message, opts mime.ParseOptions) *connector.Message {
	raw, derr := decodeRaw(gm.Raw)
	m, err := mime.Parse(raw, opts)
	if err != nil {
		m = &connector.Message{Size: int64(len(raw)), Problems: []string{"message: " + err.Error()}}
	}
	if derr != nil {
		m.Problems = append(m.Problems, "message: raw content: "+derr.Error())
	}
	m.ProviderID = gm.Id
	m.ThreadID = gm.ThreadId
	m.Labels = slices.Clone(gm.LabelIds)
	m.Flags = flagsOf(gm.LabelIds)
	if gm.InternalDate > 0 {
		m.ReceivedAt = time.UnixMilli(gm.InternalDate).UTC()
	}
	return m
}

// decodeRaw decodes a raw field: URL-safe base64 as Gmail documents it,
// padded or not, or the standard alphabet.
func decodeRaw(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		if b2, err2 := base64.RawStdEncoding.DecodeString(s); err2 == nil {
			return b2, nil
		}
	}
	return b, err
}
