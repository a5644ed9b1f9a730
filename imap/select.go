package imap

import (
	"context"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// selectFolder SELECTs folder, read-only (EXAMINE) when readOnly, with
// CONDSTORE when the server has it, so that the answer carries
// HIGHESTMODSEQ.
func (c *conn) selectFolder(ctx context.Context, folder string, readOnly bool) (*imap.SelectData, error) {
	var data *imap.SelectData
	opts := &imap.SelectOptions{ReadOnly: readOnly, CondStore: c.caps.Has(imap.CapCondStore)}
	err := do(ctx, c, func() *imapclient.SelectCommand { return c.client.Select(folder, opts) },
		func(cmd *imapclient.SelectCommand) error {
			var err error
			data, err = cmd.Wait()
			return err
		})
	if err != nil {
		return nil, classify("imap: select "+quoteFolder(folder), err)
	}
	return data, nil
}
