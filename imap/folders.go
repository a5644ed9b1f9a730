package imap

import (
	"context"
	"fmt"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/ucsp/integration/connector"
)

var _ connector.FolderLister = (*Connector)(nil)

// specialUseRoles maps the special-use attributes of RFC 6154 to roles.
var specialUseRoles = map[imap.MailboxAttr]connector.Role{
	imap.MailboxAttrArchive: connector.RoleArchive,
	imap.MailboxAttrDrafts:  connector.RoleDrafts,
	imap.MailboxAttrJunk:    connector.RoleJunk,
	imap.MailboxAttrSent:    connector.RoleSent,
	imap.MailboxAttrTrash:   connector.RoleTrash,
}

// specialUseAttrs are the special-use attributes that make a folder
// System, roles or not (\All and \Flagged are Gmail's virtual folders).
var specialUseAttrs = []imap.MailboxAttr{
	imap.MailboxAttrAll, imap.MailboxAttrArchive, imap.MailboxAttrDrafts, imap.MailboxAttrFlagged,
	imap.MailboxAttrJunk, imap.MailboxAttrSent, imap.MailboxAttrTrash,
}

// Folders lists every mailbox of the account (LIST "" "*"), in the
// server's order, as connector.Folders:
//   - ID is the mailbox name as Config.Folders, Message.Folders and
//     Action.MoveTo use it (INBOX in capitals, whatever case the server
//     used); Name its last level; Parent the level above, listed as an
//     unselectable folder when the server did not list it;
//   - Role from the special-use attributes of RFC 6154 (\Archive,
//     \Drafts, \Junk, \Sent, \Trash; requested with LIST RETURN
//     (SPECIAL-USE) when the server has LIST-EXTENDED), RoleInbox for
//     INBOX; System for INBOX and every special-use mailbox;
//   - Selectable false for \Noselect and \NonExistent;
//   - Total and Unseen from STATUS (MESSAGES UNSEEN), in the LIST answer
//     when the server has LIST-STATUS (RFC 5819), else one pipelined
//     STATUS per selectable mailbox.
//
// A server without SPECIAL-USE gives no roles but inbox: a folder named
// "Archive" is not taken for the archive on its name alone.
func (c *Connector) Folders(ctx context.Context) ([]connector.Folder, error) {
	const op = "imap: list folders"
	cn, err := c.pool.get(ctx, op)
	if err != nil {
		return nil, err
	}
	defer c.pool.put(cn)
	return cn.folders(ctx, op, true)
}

// folders lists the account's mailboxes (see Connector.Folders), counted
// when counts is set.
func (c *conn) folders(ctx context.Context, op string, counts bool) ([]connector.Folder, error) {
	extended := c.caps.Has(imap.CapListExtended) || c.caps.Has(imap.CapIMAP4rev2)
	var opts *imap.ListOptions
	listStatus := counts && extended && c.caps.Has(imap.CapListStatus)
	if extended {
		opts = &imap.ListOptions{ReturnSpecialUse: c.caps.Has(imap.CapSpecialUse)}
		if listStatus {
			opts.ReturnStatus = &imap.StatusOptions{NumMessages: true, NumUnseen: true}
		}
	}
	var boxes []*imap.ListData
	err := do(ctx, c, func() *imapclient.ListCommand { return c.client.List("", "*", opts) },
		func(cmd *imapclient.ListCommand) error {
			var err error
			boxes, err = cmd.Collect()
			return err
		})
	if err != nil {
		return nil, classify(op, err)
	}

	out := make([]connector.Folder, 0, len(boxes))
	delims := make([]byte, 0, len(boxes))
	index := map[string]int{}
	for _, b := range boxes {
		id := normalizeFolder(b.Mailbox)
		if _, dup := index[id]; dup || id == "" {
			continue
		}
		f := connector.Folder{ID: id, Selectable: true}
		var delim byte
		if b.Delim > 0 && b.Delim < 0x80 {
			delim = byte(b.Delim)
		}
		f.Parent, f.Name = splitFolder(id, delim)
		f.Parent = normalizeFolder(f.Parent)
		for _, a := range b.Attrs {
			if strings.EqualFold(string(a), string(imap.MailboxAttrNoSelect)) || strings.EqualFold(string(a), string(imap.MailboxAttrNonExistent)) {
				f.Selectable = false
			}
		}
		if id == "INBOX" {
			f.Role, f.System = connector.RoleInbox, true
		}
		for _, a := range specialUseAttrs {
			if hasAttr(b.Attrs, a) {
				f.System = true
				if r, ok := specialUseRoles[a]; ok && f.Role == connector.RoleNone {
					f.Role = r
				}
			}
		}
		if f.Selectable && b.Status != nil && b.Status.NumMessages != nil && b.Status.NumUnseen != nil {
			f.Total, f.Unseen, f.Counted = int64(*b.Status.NumMessages), int64(*b.Status.NumUnseen), true
		}
		index[id] = len(out)
		out = append(out, f)
		delims = append(delims, delim)
	}
	// LIST "*" may leave out a level of the hierarchy that holds no
	// mailbox of its own: list it, unselectable, so that every Parent is
	// a listed folder.
	for i := 0; i < len(out); i++ {
		p := out[i].Parent
		if _, ok := index[p]; p == "" || ok {
			continue
		}
		f := connector.Folder{ID: p}
		f.Parent, f.Name = splitFolder(p, delims[i])
		index[p] = len(out)
		out = append(out, f)
		delims = append(delims, delims[i])
	}

	if counts && !listStatus {
		if err := c.countFolders(ctx, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// splitFolder splits a mailbox name at its last delimiter into the
// parent's name and its own.
func splitFolder(id string, delim byte) (parent, name string) {
	if delim != 0 {
		if i := strings.LastIndexByte(id, delim); i > 0 && i < len(id)-1 {
			return id[:i], id[i+1:]
		}
	}
	return "", id
}

// countFolders fills in the counts of the selectable folders of fs with
// STATUS (MESSAGES UNSEEN), pipelined: every command is sent before the
// first answer is awaited.
func (c *conn) countFolders(ctx context.Context, fs []connector.Folder) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	opts := &imap.StatusOptions{NumMessages: true, NumUnseen: true}
	w := c.watch(ctx)
	w.enter()
	cmds := make([]*imapclient.StatusCommand, len(fs))
	err := c.issue(func() {
		for i, f := range fs {
			if f.Selectable {
				cmds[i] = c.client.Status(f.ID, opts)
			}
		}
	})
	if err != nil {
		return w.stop(err)
	}
	var first error
	for i, cmd := range cmds {
		if cmd == nil {
			continue
		}
		data, err := cmd.Wait()
		w.progress()
		if err != nil {
			if first == nil {
				first = fmt.Errorf("status %s: %w", quoteFolder(fs[i].ID), err)
			}
			continue
		}
		if data.NumMessages != nil && data.NumUnseen != nil {
			fs[i].Total, fs[i].Unseen, fs[i].Counted = int64(*data.NumMessages), int64(*data.NumUnseen), true
		}
	}
	// A folder that vanished between LIST and STATUS stays uncounted; a
	// connection lost fails the call.
	if err := w.stop(first); err != nil && !c.usable() {
		return classify("imap: count folders", err)
	}
	return nil
}
