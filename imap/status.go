package imap

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// statusKey is what Listen compares to see that a folder changed.
type statusKey struct {
	uidValidity uint32
	uidNext     imap.UID
	messages    uint32
	modSeq      uint64
}

// status asks for folder's statusKey.
func (c *conn) status(ctx context.Context, folder string) (statusKey, error) {
	opts := &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true, HighestModSeq: c.caps.Has(imap.CapCondStore)}
	var data *imap.StatusData
	err := do(ctx, c, func() *imapclient.StatusCommand { return c.client.Status(folder, opts) },
		func(cmd *imapclient.StatusCommand) error {
			var err error
			data, err = cmd.Wait()
			return err
		})
	if err != nil {
		return statusKey{}, classify(fmt.Sprintf("imap: status %s", quoteFolder(folder)), err)
	}
	k := statusKey{uidValidity: data.UIDValidity, uidNext: data.UIDNext, modSeq: data.HighestModSeq}
	if data.NumMessages != nil {
		k.messages = *data.NumMessages
	}
	return k, nil
}
