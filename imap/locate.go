package imap

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
)

// locateChunk is how many messages' headers a ProviderID lookup fetches
// per command, so that it can stop soon after a match.
const locateChunk = 500

// locate selects the folder of id, a ProviderRef or a ProviderID, and
// returns the message's UID there.
//
// A ProviderRef is direct: its folder must still have its UIDVALIDITY.
// A ProviderID names a message by a digest of its header, which the
// server cannot search for, so the folder's headers are read until one
// matches: a cost proportional to the folder's size. Callers that keep
// the ProviderRef beside the ProviderID (as package store does) should
// pass the ref.
func (c *Connector) locate(ctx context.Context, cn *conn, op, id string) (folder string, uid uint32, err error) {
	if f, v, u, ok := parseRef(id); ok {
		sel, err := cn.selectFolder(ctx, f, true)
		if err != nil {
			return "", 0, err
		}
		if sel.UIDValidity != v {
			return "", 0, connector.NotFoundError(op, fmt.Errorf("%s: the folder was renumbered (UIDVALIDITY %d, not %d); look the message up by ProviderID", id, sel.UIDValidity, v))
		}
		return f, u, nil
	}
	f, digest, ok := splitProviderID(id)
	if !ok {
		return "", 0, connector.NotFoundError(op, fmt.Errorf("%q is neither a ProviderID nor a ProviderRef of the imap connector", id))
	}
	if _, err := cn.selectFolder(ctx, f, true); err != nil {
		return "", 0, err
	}
	all, err := cn.searchUIDs(ctx, &imap.SearchCriteria{})
	if err != nil {
		return "", 0, err
	}
	// Newest first: a message asked about is more often recent.
	for chunk := range all.ChunksDesc(locateChunk) {
		var found uint32
		err := cn.fetchEach(ctx, chunk.IMAP(), headerItems(nil), func(buf *imapclient.FetchMessageBuffer) error {
			if found == 0 && identityDigest(headerOf(buf), buf.RFC822Size) == digest {
				found = uint32(buf.UID) // read the rest of the chunk: IMAP cannot stop a FETCH
			}
			return nil
		})
		if err != nil {
			return "", 0, classify(op, err)
		}
		if found != 0 {
			return f, found, nil
		}
	}
	return "", 0, connector.NotFoundError(op, fmt.Errorf("no message %s", id))
}
