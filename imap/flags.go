package imap

import (
	"context"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
)

// normalizeFlags turns a message's IMAP flags into connector flags:
// system flags spelled as connector.FlagSeen and friends whatever case the
// server used, keywords ($Forwarded, $Junk, ...) as they are, \Recent
// (session state, not a flag of the message) dropped; sorted, no
// duplicates, nil when there are none.
func normalizeFlags(flags []imap.Flag) []string {
	if len(flags) == 0 {
		return nil
	}
	out := make([]string, 0, len(flags))
	for _, f := range flags {
		s := string(f)
		if strings.HasPrefix(s, `\`) {
			switch strings.ToLower(s) {
			case `\seen`:
				s = connector.FlagSeen
			case `\answered`:
				s = connector.FlagAnswered
			case `\flagged`:
				s = connector.FlagFlagged
			case `\deleted`:
				s = connector.FlagDeleted
			case `\draft`:
				s = connector.FlagDraft
			case `\recent`:
				continue
			}
		}
		out = append(out, s)
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// changedFlags returns the flag changes, since modseq, of the known
// messages of st's folder (selected), by ProviderID and ProviderRef.
func (c *conn) changedFlags(ctx context.Context, folder string, st *folderState, modSeq uint64) ([]connector.Change, error) {
	var out []connector.Change
	opts := headerItems(func(o *imap.FetchOptions) {
		o.Flags = true
		o.ChangedSince = modSeq
	})
	err := c.fetchEach(ctx, st.uids.IMAP(), opts, func(buf *imapclient.FetchMessageBuffer) error {
		uid := uint32(buf.UID)
		if uid == 0 || !st.uids.Contains(uid) {
			return nil
		}
		out = append(out, connector.Change{
			Kind:        connector.ChangeFlags,
			ProviderID:  providerID(folder, headerOf(buf), buf.RFC822Size),
			ProviderRef: providerRef(folder, st.uidValidity, uid),
			Flags:       normalizeFlags(buf.Flags),
		})
		return nil
	})
	if err != nil {
		return nil, classify("imap: fetch changed flags in "+quoteFolder(folder), err)
	}
	return out, nil
}
