package imap

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// fetchEach runs UID FETCH set with opts in the selected folder and calls
// fn with each message, collected in memory. It is for small answers
// (flags, headers, one attachment); new mail goes through the sync
// pipeline. fn's error stops the fetch (discarding the connection, as
// IMAP cannot cancel a command) and is returned as is.
//
// Literals are read as literals does, within Config.MaxMessageBytes: a
// header section over it is cut there (as a sync cuts the header of an
// oversize message, so that both give the same ProviderID); any other
// section over it is dropped, fn is not called with its message, and
// fetchEach returns an ErrTooLarge error once the command is over.
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
	lits := &literals{max: c.maxLiteral, progress: w.progress}
	var fnErr, tooLarge error
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		w.progress()
		buf, over, err := collect(msg, lits)
		if err != nil {
			c.abandon() // see abandon: the command must not be drained
			return w.stop(err)
		}
		if over > 0 {
			if tooLarge == nil {
				tooLarge = fmt.Errorf("%w (a part of %d bytes, at most %d are read)", ErrTooLarge, over, lits.max)
			}
			continue
		}
		if fnErr = fn(buf); fnErr != nil {
			c.kill()
			break
		}
	}
	err := w.stop(cmd.Close()) // drains what is left
	switch {
	case fnErr != nil:
		return fnErr
	case err != nil:
		return err
	}
	return tooLarge
}

// collect reads one message's items into a buffer. Unlike go-imap's
// FetchMessageData.Collect it does not read a literal again after a read
// of it failed (see conn.abandon); the caller abandons the connection on
// error. over is the announced size of a section other than a header
// that is larger than lits.max, which collect read and dropped.
func collect(msg *imapclient.FetchMessageData, lits *literals) (buf *imapclient.FetchMessageBuffer, over int64, err error) {
	buf = &imapclient.FetchMessageBuffer{SeqNum: msg.SeqNum}
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
			header := it.Section != nil && it.Section.Specifier == imap.PartSpecifierHeader && len(it.Section.Part) == 0
			b, n, err := readLiteral(it.Literal, lits, header)
			if err != nil {
				return nil, 0, err
			}
			if n > 0 {
				over = n
				continue
			}
			buf.BodySection = append(buf.BodySection, imapclient.FetchBodySectionBuffer{Section: it.Section, Bytes: b})
		case imapclient.FetchItemDataBinarySection:
			b, n, err := readLiteral(it.Literal, lits, false)
			if err != nil {
				return nil, 0, err
			}
			if n > 0 {
				over = n
				continue
			}
			buf.BinarySection = append(buf.BinarySection, imapclient.FetchBinarySectionBuffer{Section: it.Section, Bytes: b})
		}
	}
	return buf, over, nil
}

// readLiteral reads lit within lits.max: whole, or, for a literal
// announced larger, its first lits.max bytes when cut is set, else
// nothing (over is then the announced size). The rest is dropped.
func readLiteral(lit imap.LiteralReader, lits *literals, cut bool) (b []byte, over int64, err error) {
	if lit == nil {
		return nil, 0, nil
	}
	n := lit.Size()
	switch {
	case n <= lits.max:
		b, err = lits.all(lit, n)
	case cut:
		b, _, err = lits.prefix(lit, n)
	default:
		over, err = n, lits.drain(lit, n)
	}
	if err != nil {
		return nil, 0, err
	}
	return b, over, nil
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
