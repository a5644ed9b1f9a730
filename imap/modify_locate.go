package imap

import (
	"context"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// findTargets fetches the header, size and flags of g's messages in the
// selected folder: by UID for those named by ref (in this UIDVALIDITY),
// by a scan of the folder's headers for those named by ProviderID.
func (c *conn) findTargets(ctx context.Context, g *folderGroup, uidValidity uint32) error {
	byUID := map[uint32][]*target{}
	byDigest := map[string][]*target{}
	var uids []imap.UID
	for _, t := range g.targets {
		switch {
		case t.uidValidity == 0:
			byDigest[t.digest] = append(byDigest[t.digest], t)
		case t.uidValidity == uidValidity:
			byUID[t.uid] = append(byUID[t.uid], t)
			uids = append(uids, imap.UID(t.uid))
		}
	}
	opts := headerItems(func(o *imap.FetchOptions) { o.Flags = true })
	keep := func(ts []*target, buf *imapclient.FetchMessageBuffer) {
		for _, t := range ts {
			t.found, t.uid, t.header, t.size, t.flags = true, uint32(buf.UID), headerOf(buf), buf.RFC822Size, buf.Flags
		}
	}
	if len(uids) > 0 {
		err := c.fetchEach(ctx, imap.UIDSetNum(uids...), opts, func(buf *imapclient.FetchMessageBuffer) error {
			keep(byUID[uint32(buf.UID)], buf)
			return nil
		})
		if err != nil {
			return classify("imap: fetch messages to modify in "+quoteFolder(g.folder), err)
		}
	}
	if len(byDigest) == 0 {
		return nil
	}
	all, err := c.searchUIDs(ctx, &imap.SearchCriteria{})
	if err != nil {
		return err
	}
	left := len(byDigest)
	for chunk := range all.ChunksDesc(locateChunk) {
		err := c.fetchEach(ctx, chunk.IMAP(), opts, func(buf *imapclient.FetchMessageBuffer) error {
			d := identityDigest(headerOf(buf), buf.RFC822Size)
			if ts := byDigest[d]; len(ts) > 0 && !ts[0].found {
				keep(ts, buf)
				left--
			}
			return nil
		})
		if err != nil {
			return classify("imap: look up messages to modify in "+quoteFolder(g.folder), err)
		}
		if left == 0 {
			break
		}
	}
	return nil
}
