package imap

import (
	"context"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// storeFlags runs UID STORE set ±FLAGS.SILENT (flags) in the selected
// folder.
func (c *conn) storeFlags(ctx context.Context, set imap.UIDSet, op imap.StoreFlagsOp, flags []imap.Flag) error {
	return do(ctx, c, func() *imapclient.FetchCommand {
		return c.client.Store(set, &imap.StoreFlags{Op: op, Silent: true, Flags: flags}, nil)
	}, (*imapclient.FetchCommand).Close)
}

// move moves the messages set of the selected folder to dest and returns
// their new UIDs by old UID, with dest's UIDVALIDITY, as the server's
// COPYUID gave them (none when it gave none).
//
// With MOVE (RFC 6851, or IMAP4rev2) it is one UID MOVE. Without, UID
// COPY, UID STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE (UIDPLUS) of
// exactly set, never a bare EXPUNGE, which would also remove messages
// someone else marked \Deleted; go-imap's Client.Move falls back to that
// without UIDPLUS, so it is only called when the server has MOVE. The
// caller has checked that the server has MOVE or UIDPLUS.
func (c *conn) move(ctx context.Context, set imap.UIDSet, dest string) (map[uint32]uint32, uint32, error) {
	if c.hasMove() {
		var data *imapclient.MoveData
		err := do(ctx, c, func() *imapclient.MoveCommand { return c.client.Move(set, dest) },
			func(cmd *imapclient.MoveCommand) error {
				var err error
				data, err = cmd.Wait()
				return err
			})
		if err != nil {
			return nil, 0, err
		}
		src, _ := data.SourceUIDs.(imap.UIDSet)
		dst, _ := data.DestUIDs.(imap.UIDSet)
		return pairUIDs(src, dst), data.UIDValidity, nil
	}
	if !c.caps.Has(imap.CapUIDPlus) && !c.caps.Has(imap.CapIMAP4rev2) {
		return nil, 0, ErrMoveUnsafe // checked by Modify before any change
	}
	var data *imap.CopyData
	err := do(ctx, c, func() *imapclient.CopyCommand { return c.client.Copy(set, dest) },
		func(cmd *imapclient.CopyCommand) error {
			var err error
			data, err = cmd.Wait()
			return err
		})
	if err != nil {
		return nil, 0, err
	}
	if err := c.storeFlags(ctx, set, imap.StoreFlagsAdd, []imap.Flag{imap.FlagDeleted}); err != nil {
		return nil, 0, err
	}
	err = do(ctx, c, func() *imapclient.ExpungeCommand { return c.client.UIDExpunge(set) }, (*imapclient.ExpungeCommand).Close)
	if err != nil {
		return nil, 0, err
	}
	return pairUIDs(data.SourceUIDs, data.DestUIDs), data.UIDValidity, nil
}

// hasMove reports whether the server has MOVE, as both this side and
// go-imap see it (go-imap's Client.Move decides on its own copy of the
// capabilities).
func (c *conn) hasMove() bool {
	has := func(caps imap.CapSet) bool { return caps.Has(imap.CapMove) || caps.Has(imap.CapIMAP4rev2) }
	return has(c.caps) && has(c.client.Caps())
}

// pairUIDs pairs the source and destination UIDs of a COPYUID response
// (RFC 4315: the n-th UID of one set is the n-th of the other). Sets of
// different sizes pair nothing.
func pairUIDs(src, dst imap.UIDSet) map[uint32]uint32 {
	a, b := expandUIDs(src), expandUIDs(dst)
	out := make(map[uint32]uint32, len(a))
	if len(a) != len(b) {
		return out
	}
	for i := range a {
		out[a[i]] = b[i]
	}
	return out
}

// expandUIDs lists the UIDs of a static set, each range ascending, in
// the set's order; nil for a set of a million UIDs or more.
func expandUIDs(s imap.UIDSet) []uint32 {
	var out []uint32
	for _, r := range s {
		if r.Start == 0 || r.Stop == 0 {
			return nil // dynamic ("*"): not in a COPYUID
		}
		lo, hi := min(r.Start, r.Stop), max(r.Start, r.Stop)
		if len(out)+int(hi-lo) >= 1e6 {
			return nil
		}
		for u := lo; ; u++ {
			out = append(out, uint32(u))
			if u == hi {
				break
			}
		}
	}
	return out
}
