package imap

import (
	"context"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/imap/internal/uidset"
)

// searchUIDs runs UID SEARCH with criteria in the selected folder and
// returns the matching UIDs. With ESEARCH (or IMAP4rev2) the server
// answers in ranges (RETURN (ALL)), which keeps the answer for a large
// folder small.
func (c *conn) searchUIDs(ctx context.Context, criteria *imap.SearchCriteria) (uidset.Set, error) {
	var opts *imap.SearchOptions
	if c.caps.Has(imap.CapESearch) || c.caps.Has(imap.CapIMAP4rev2) {
		opts = &imap.SearchOptions{ReturnAll: true}
	}
	var data *imap.SearchData
	err := do(ctx, c, func() *imapclient.SearchCommand { return c.client.UIDSearch(criteria, opts) },
		func(cmd *imapclient.SearchCommand) error {
			var err error
			data, err = cmd.Wait()
			return err
		})
	if err != nil {
		return uidset.Set{}, classify("imap: uid search", err)
	}
	all, _ := data.All.(imap.UIDSet)
	set, err := uidset.FromIMAP(all)
	if err != nil {
		return uidset.Set{}, classify("imap: uid search", err)
	}
	return set, nil
}
