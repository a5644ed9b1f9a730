package imap

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/emersion/go-imap/v2"

	"github.com/ucsp/integration/connector"
)

// ErrMoveUnsafe is the error (an ErrUnsupported one) of a move on a
// server with neither MOVE (RFC 6851) nor UIDPLUS (RFC 4315): the only
// way left, COPY then a bare EXPUNGE, would also remove every message of
// the folder that someone else marked \Deleted.
var ErrMoveUnsafe = errors.New("the server has neither MOVE (RFC 6851) nor UIDPLUS (RFC 4315): a move would need a bare EXPUNGE, which also removes messages others marked \\Deleted")

// ActionSupport says that Modify marks messages seen and flagged and
// moves them; IMAP has no labels. There is no batch limit of the
// connector's own: Modify sends one command per folder and change.
func (c *Connector) ActionSupport() connector.ActionSupport {
	return connector.ActionSupport{Seen: true, Flagged: true, Move: true, ChecksTargets: true}
}

// Modify applies a to msgs at the server (see connector.Modifier).
//
// Each message is found by its ProviderRef (folder, UIDVALIDITY, UID)
// when given, else by its ProviderID (a scan of its folder's headers; see
// FetchAttachment). A message whose folder was renumbered (another
// UIDVALIDITY) or whose UID is gone gets an ErrNotFound result.
//
// Messages are grouped by folder; in each folder, SELECTed read-write,
// the marks are one UID STORE +FLAGS.SILENT and one -FLAGS.SILENT, and a
// move is one UID MOVE (RFC 6851) when the server has MOVE, else UID
// COPY, UID STORE +FLAGS.SILENT (\Deleted) and UID EXPUNGE (UIDPLUS) of
// exactly the moved UIDs. Marks apply before the move, so they travel
// with the message. A server with neither MOVE nor UIDPLUS is refused a
// move (ErrMoveUnsafe, an ErrUnsupported error) before anything changes:
// a bare EXPUNGE would also remove messages others marked \Deleted.
//
// A move's destination is Action.MoveTo, a folder as Folders lists it,
// or the folder Folders gives Action.MoveToRole (RFC 6154 special use);
// an unknown or unselectable folder, or a role no folder has, is a
// *connector.ValidationError naming "folder" or "role". Each result
// carries the message's ProviderID in its folder afterwards (as a Sync
// of that folder computes it), its ProviderRef there when the server
// reported the new UID (COPYUID, from UIDPLUS), and its flags and
// folder (Known).
func (c *Connector) Modify(ctx context.Context, msgs []connector.MessageRef, a connector.Action) ([]connector.ActionResult, error) {
	const op = "imap: modify"
	if err := a.Validate(c.ActionSupport()); err != nil {
		return nil, err
	}
	if len(msgs) == 0 {
		return []connector.ActionResult{}, nil
	}
	cn, err := c.pool.get(ctx, op)
	if err != nil {
		return nil, err
	}
	defer c.pool.put(cn)

	dest := ""
	if a.MoveTo != "" || a.MoveToRole != connector.RoleNone {
		if !cn.caps.Has(imap.CapMove) && !cn.caps.Has(imap.CapUIDPlus) && !cn.caps.Has(imap.CapIMAP4rev2) {
			return nil, connector.NewError(connector.ErrUnsupported, "imap: move", ErrMoveUnsafe)
		}
		if dest, err = cn.destination(ctx, a); err != nil {
			return nil, err
		}
	}

	res := make([]connector.ActionResult, len(msgs))
	groups := groupByFolder(msgs, res)
	for _, g := range groups {
		if err := cn.modifyFolder(ctx, g, a, dest, res); err != nil {
			return nil, err
		}
	}
	for i := range res {
		res[i].Ref = msgs[i]
	}
	return res, nil
}

// destination resolves a move's target folder through Folders.
func (c *conn) destination(ctx context.Context, a connector.Action) (string, error) {
	fs, err := c.folders(ctx, "imap: list folders", false)
	if err != nil {
		return "", err
	}
	v := &connector.ValidationError{Context: "imap: invalid action"}
	if a.MoveToRole != connector.RoleNone {
		f, ok := connector.FolderByRole(fs, a.MoveToRole)
		switch {
		case !ok:
			v.Addf("role", "%q: the mailbox has no folder with that role (no mailbox is marked with its RFC 6154 special-use flag)", string(a.MoveToRole))
		case !f.Selectable:
			v.Addf("role", "%q: its folder %s cannot hold messages (\\Noselect)", string(a.MoveToRole), quoteFolder(f.ID))
		default:
			return f.ID, nil
		}
		return "", v
	}
	name := normalizeFolder(a.MoveTo)
	i := slices.IndexFunc(fs, func(f connector.Folder) bool { return f.ID == name })
	switch {
	case i < 0:
		v.Addf("folder", "%s does not exist", quoteFolder(a.MoveTo))
	case !fs[i].Selectable:
		v.Addf("folder", "%s cannot hold messages (\\Noselect)", quoteFolder(a.MoveTo))
	default:
		return name, nil
	}
	return "", v
}

// target is one message of a folder group: where it is in msgs, and the
// UID (from its ref) or the digest (from its ProviderID) to find it by.
type target struct {
	index       int
	uidValidity uint32 // 0: found by digest
	uid         uint32
	digest      string

	// Filled by the fetch of the folder's messages.
	found  bool
	header []byte
	size   int64
	flags  []imap.Flag
}

// folderGroup is the messages of one folder.
type folderGroup struct {
	folder  string
	targets []*target
}

// groupByFolder sorts msgs by folder, in order of first appearance.
// Refs that name no message of this connector fail in res at once.
func groupByFolder(msgs []connector.MessageRef, res []connector.ActionResult) []*folderGroup {
	var groups []*folderGroup
	byFolder := map[string]*folderGroup{}
	add := func(folder string, t *target) {
		g := byFolder[folder]
		if g == nil {
			g = &folderGroup{folder: folder}
			byFolder[folder] = g
			groups = append(groups, g)
		}
		g.targets = append(g.targets, t)
	}
	for i, m := range msgs {
		if f, v, u, ok := parseRef(m.ProviderRef); ok {
			add(normalizeFolder(f), &target{index: i, uidValidity: v, uid: u})
			continue
		}
		if f, d, ok := splitProviderID(m.ProviderID); ok {
			add(normalizeFolder(f), &target{index: i, digest: d})
			continue
		}
		res[i].Err = connector.NotFoundError("imap: modify", fmt.Errorf("%q is neither a ProviderRef nor a ProviderID of the imap connector", firstNonEmpty(m.ProviderRef, m.ProviderID)))
	}
	return groups
}

// notFound fails message i.
func notFound(res []connector.ActionResult, i int, format string, args ...any) {
	res[i] = connector.ActionResult{Err: connector.NotFoundError("imap: modify", fmt.Errorf(format, args...))}
}

// modifyFolder applies a to the messages of g and fills in their results.
func (c *conn) modifyFolder(ctx context.Context, g *folderGroup, a connector.Action, dest string, res []connector.ActionResult) error {
	sel, err := c.selectFolder(ctx, g.folder, false)
	if errors.Is(err, connector.ErrNotFound) {
		for _, t := range g.targets {
			notFound(res, t.index, "the folder %s no longer exists", quoteFolder(g.folder))
		}
		return nil
	}
	if err != nil {
		return err
	}
	if err := c.findTargets(ctx, g, sel.UIDValidity); err != nil {
		return err
	}
	var uids []imap.UID
	var live []*target
	listed := map[uint32]bool{}
	for _, t := range g.targets {
		switch {
		case t.uidValidity != 0 && t.uidValidity != sel.UIDValidity:
			notFound(res, t.index, "%s was renumbered (UIDVALIDITY %d, not %d)", quoteFolder(g.folder), sel.UIDValidity, t.uidValidity)
		case !t.found:
			notFound(res, t.index, "no such message in %s", quoteFolder(g.folder))
		default:
			if !listed[t.uid] {
				listed[t.uid] = true
				uids = append(uids, imap.UID(t.uid))
			}
			live = append(live, t)
		}
	}
	if len(live) == 0 {
		return nil
	}
	set := imap.UIDSetNum(uids...)

	var add, remove []imap.Flag
	mark := func(on *bool, f imap.Flag) {
		switch {
		case on == nil:
		case *on:
			add = append(add, f)
		default:
			remove = append(remove, f)
		}
	}
	mark(a.Seen, imap.FlagSeen)
	mark(a.Flagged, imap.FlagFlagged)
	for _, s := range []struct {
		op    imap.StoreFlagsOp
		flags []imap.Flag
	}{{imap.StoreFlagsAdd, add}, {imap.StoreFlagsDel, remove}} {
		if len(s.flags) > 0 {
			if err := c.storeFlags(ctx, set, s.op, s.flags); err != nil {
				return classify(fmt.Sprintf("imap: store flags in %s", quoteFolder(g.folder)), err)
			}
		}
	}

	folder, newUIDs, destValidity := g.folder, map[uint32]uint32{}, uint32(0)
	if dest != "" && dest != g.folder {
		if newUIDs, destValidity, err = c.move(ctx, set, dest); err != nil {
			return classify(fmt.Sprintf("imap: move from %s to %s", quoteFolder(g.folder), quoteFolder(dest)), err)
		}
		folder = dest
	}

	for _, t := range live {
		if folder != g.folder && destValidity != 0 && newUIDs[t.uid] == 0 {
			// COPYUID names the moved messages: this one was expunged
			// by someone else between the FETCH and the move.
			notFound(res, t.index, "the message left %s before it could be moved", quoteFolder(g.folder))
			continue
		}
		flags := normalizeFlags(t.flags)
		for _, f := range add {
			flags = append(flags, normalizeFlags([]imap.Flag{f})...)
		}
		flags = slices.DeleteFunc(flags, func(f string) bool {
			return slices.ContainsFunc(remove, func(r imap.Flag) bool { return normalizeFlags([]imap.Flag{r})[0] == f })
		})
		slices.Sort(flags)
		flags = slices.Compact(flags)
		r := connector.ActionResult{
			ProviderID: providerID(folder, t.header, t.size),
			Flags:      flags,
			Folders:    []string{folder},
			Known:      true,
		}
		switch {
		case folder == g.folder:
			r.ProviderRef = providerRef(folder, sel.UIDValidity, t.uid)
		case destValidity != 0:
			r.ProviderRef = providerRef(folder, destValidity, newUIDs[t.uid])
		}
		res[t.index] = r
	}
	return nil
}
