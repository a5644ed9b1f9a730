package imap

import (
	"bytes"
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
)

// defaultSentFolder is the Sent folder of a server that marks none.
const defaultSentFolder = "Sent"

// FindSent looks in the Sent folder for a message with the given
// Message-ID (without brackets), with UID SEARCH HEADER Message-ID and an
// exact comparison of the header found (SEARCH matches substrings). It
// returns the message's SendResult (ProviderID set), or an ErrNotFound
// error.
func (c *Connector) FindSent(ctx context.Context, messageID string) (*connector.SendResult, error) {
	const op = "imap: find sent"
	if messageID == "" || bytes.ContainsAny([]byte(messageID), "<>\r\n\" ") {
		return nil, connector.PermanentError(op, fmt.Errorf("%q is not a Message-ID without brackets", messageID))
	}
	cn, err := c.pool.get(ctx, op)
	if err != nil {
		return nil, err
	}
	defer c.pool.put(cn)
	folder, err := c.sentFolderName(ctx, cn)
	if err != nil {
		return nil, err
	}
	if _, err := cn.selectFolder(ctx, folder, true); err != nil {
		return nil, err
	}
	uids, err := cn.searchUIDs(ctx, &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Message-ID", Value: "<" + messageID + ">"}}})
	if err != nil {
		return nil, err
	}
	if uids.IsEmpty() {
		return nil, connector.NotFoundError(op, fmt.Errorf("no message <%s> in %s", messageID, quoteFolder(folder)))
	}
	var res *connector.SendResult
	err = cn.fetchEach(ctx, uids.IMAP(), headerItems(nil), func(buf *imapclient.FetchMessageBuffer) error {
		h := headerOf(buf)
		if res == nil && string(headerValue(h, "Message-Id")) == "<"+messageID+">" {
			res = &connector.SendResult{
				MessageID:  messageID,
				ProviderID: providerID(folder, h, buf.RFC822Size),
			}
		}
		return nil
	})
	if err != nil {
		return nil, classify(op, err)
	}
	if res == nil {
		return nil, connector.NotFoundError(op, fmt.Errorf("no message <%s> in %s", messageID, quoteFolder(folder)))
	}
	return res, nil
}

// sentFolderName returns Config.SentFolder, or the folder the server
// marks \Sent (LIST RETURN (SPECIAL-USE), RFC 6154), or "Sent"; the
// answer is kept for the Connector's life.
func (c *Connector) sentFolderName(ctx context.Context, cn *conn) (string, error) {
	if c.cfg.SentFolder != "" {
		return c.cfg.SentFolder, nil
	}
	c.sentMu.Lock()
	defer c.sentMu.Unlock()
	if c.sentFolder != "" {
		return c.sentFolder, nil
	}
	name := defaultSentFolder
	if cn.caps.Has(imap.CapSpecialUse) {
		var boxes []*imap.ListData
		err := do(ctx, cn, func() *imapclient.ListCommand {
			return cn.client.List("", "*", &imap.ListOptions{ReturnSpecialUse: true})
		}, func(cmd *imapclient.ListCommand) error {
			var err error
			boxes, err = cmd.Collect()
			return err
		})
		if err != nil {
			return "", classify("imap: list special-use folders", err)
		}
		for _, b := range boxes {
			if hasAttr(b.Attrs, imap.MailboxAttrSent) {
				name = b.Mailbox
				break
			}
		}
	}
	c.sentFolder = name
	return name, nil
}

func hasAttr(attrs []imap.MailboxAttr, a imap.MailboxAttr) bool {
	for _, x := range attrs {
		if bytes.EqualFold([]byte(x), []byte(a)) {
			return true
		}
	}
	return false
}
