package imap

import (
	"context"
	"errors"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/ucsp/integration/connector"
	"github.com/ucsp/integration/internal/mime"
)

// Send validates msg and delegates it to Config.Sender: IMAP receives
// mail, it does not send it. Without a Sender it returns an
// ErrUnsupported error.
//
// After a successful send it appends a copy of the message, rendered by
// the module's MIME builder (Bcc included, \Seen), to the Sent folder,
// unless Config.DisableSentCopy is set, so that FindSent can find it
// when a retry asks. A failed copy is logged, not returned: the message
// went out, and an error would make the caller send it again.
func (c *Connector) Send(ctx context.Context, msg *connector.OutboundMessage) (*connector.SendResult, error) {
	if err := msg.Validate(); err != nil {
		return nil, err
	}
	if c.cfg.Sender == nil {
		return nil, connector.NewError(connector.ErrUnsupported, "imap: send",
			errors.New("IMAP cannot send mail: set Config.Sender (an SMTP sender) to delegate to"))
	}
	res, err := c.cfg.Sender.Send(ctx, msg)
	if err != nil {
		return nil, err
	}
	if res == nil {
		res = &connector.SendResult{MessageID: msg.MessageID}
	}
	if !c.cfg.DisableSentCopy {
		// The send happened: finish the copy even if the caller gives up
		// now, within the command timeout.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.DialTimeout+c.cfg.CommandTimeout)
		defer cancel()
		if err := c.appendSent(actx, msg); err != nil {
			c.log.Error("imap: sent, but the copy for the Sent folder could not be saved", "message_id", msg.MessageID, "error", err)
		}
	}
	return res, nil
}

// appendSent appends msg, rendered, to the Sent folder.
func (c *Connector) appendSent(ctx context.Context, msg *connector.OutboundMessage) error {
	const op = "imap: append to sent folder"
	raw, err := mime.Render(msg, mime.BuildOptions{IncludeBcc: true})
	if err != nil {
		return err
	}
	cn, err := c.pool.get(ctx, op)
	if err != nil {
		return err
	}
	defer c.pool.put(cn)
	folder, err := c.sentFolderName(ctx, cn)
	if err != nil {
		return err
	}
	err = cn.run(ctx, func() error {
		cmd := cn.client.Append(folder, int64(len(raw)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}, Time: time.Now()})
		if _, err := cmd.Write(raw); err != nil {
			_ = cmd.Close()
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		_, err := cmd.Wait()
		return err
	})
	return classify(op+" "+quoteFolder(folder), err)
}
