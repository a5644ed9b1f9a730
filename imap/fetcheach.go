package imap

import (
	"context"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fetchEach runs UID FETCH set with opts in the selected folder and calls
// fn with each message, collected in memory. It is for small answers
// (flags, headers, one attachment); new mail goes through the sync
// pipeline. fn's error stops the fetch (discarding the connection, as
// IMAP cannot cancel a command) and is returned as is.
func (c *conn) fetchEach(ctx context.Context, set imap.UIDSet, opts *imap.FetchOptions, fn func(*imapclient.FetchMessageBuffer) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	w := c.watch(ctx)
	w.enter()
	var cmd *imapclient.FetchCommand
	if err := c.issue(func() { cmd = c.client.Fetch(set, opts) }); err != nil {
		return w.stop(err)
	}
	var fnErr error
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		w.progress()
		buf, err := collect(msg)
		if err != nil {
			c.abandon() // see abandon: the command must not be drained
			return w.stop(err)
		}
		if fnErr = fn(buf); fnErr != nil {
			c.kill()
			break
		}
	}
	err := w.stop(cmd.Close()) // drains what is left
	if fnErr != nil {
		return fnErr
	}
	return err
}

// collect reads one message's items into a buffer. Unlike go-imap's
// FetchMessageData.Collect it does not read a literal again after a read
// of it failed (see conn.abandon); the caller abandons the connection on
// error.
func collect(msg *imapclient.FetchMessageData) (*imapclient.FetchMessageBuffer, error) {
	buf := &imapclient.FetchMessageBuffer{SeqNum: msg.SeqNum}
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch it := item.(type) {
		case imapclient.FetchItemDataUID:
			buf.UID = it.UID
		case imapclient.FetchItemDataFlags:
			buf.Flags = it.Flags
		case imapclient.FetchItemDataRFC822Size:
			buf.RFC822Size = it.Size
		case imapclient.FetchItemDataInternalDate:
			buf.InternalDate = it.Time
		case imapclient.FetchItemDataBodyStructure:
			buf.BodyStructure = it.BodyStructure
		case imapclient.FetchItemDataModSeq:
			buf.ModSeq = it.ModSeq
		case imapclient.FetchItemDataBodySection:
			b, err := readLiteral(it.Literal)
			if err != nil {
				return nil, err
			}
			buf.BodySection = append(buf.BodySection, imapclient.FetchBodySectionBuffer{Section: it.Section, Bytes: b})
		case imapclient.FetchItemDataBinarySection:
			b, err := readLiteral(it.Literal)
			if err != nil {
				return nil, err
			}
			buf.BinarySection = append(buf.BinarySection, imapclient.FetchBinarySectionBuffer{Section: it.Section, Bytes: b})
		}
	}
	return buf, nil
}

func readLiteral(lit imap.LiteralReader) ([]byte, error) {
	if lit == nil {
		return nil, nil
	}
	b := make([]byte, lit.Size())
	_, err := io.ReadFull(lit, b)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// headerItems fetch what a ProviderID is computed from.
func headerItems(extra func(*imap.FetchOptions)) *imap.FetchOptions {
	o := &imap.FetchOptions{
		UID:         true,
		RFC822Size:  true,
		BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, Peek: true}},
	}
	if extra != nil {
		extra(o)
	}
	return o
}

// headerOf returns the header a headerItems fetch brought.
func headerOf(buf *imapclient.FetchMessageBuffer) []byte {
	for _, s := range buf.BodySection {
		if s.Section != nil && s.Section.Specifier == imap.PartSpecifierHeader {
			return headerBlock(s.Bytes)
		}
	}
	return nil
}
