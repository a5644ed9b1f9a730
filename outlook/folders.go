package outlook

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/sync/errgroup"

	"github.com/ucsp/integration/connector"
)

var _ connector.FolderLister = (*Connector)(nil)

// roleFolders are the well-known folder names of the roles. Graph v1.0
// has no wellKnownName property on a mailFolder: these names are
// resolved to ids with GET /me/mailFolders/{name}.
var roleFolders = []struct {
	role connector.Role
	name string
}{
	{connector.RoleInbox, "inbox"},
	{connector.RoleSent, "sentitems"},
	{connector.RoleDrafts, "drafts"},
	{connector.RoleTrash, "deleteditems"},
	{connector.RoleJunk, "junkemail"},
	{connector.RoleArchive, "archive"},
}

// roleFolder returns the well-known folder name of role r.
func roleFolder(r connector.Role) string {
	for _, rf := range roleFolders {
		if rf.role == r {
			return rf.name
		}
	}
	return ""
}

// folderPageSize is the $top of folder listings.
const folderPageSize = 100

// wellKnownIDs caches the ids of the well-known folders of a mailbox,
// which never change: one lookup per Connector.
type wellKnownIDs struct {
	mu  sync.Mutex
	ids map[string]string // well-known name -> id; a name the mailbox lacks is absent
}

// wellKnown returns the ids of the role folders by well-known name
// (GET /me/mailFolders/{name}, once per Connector): a folder the
// mailbox does not have (404, e.g. no archive) is left out.
func (c *Connector) wellKnown(ctx context.Context) (map[string]string, error) {
	c.known.mu.Lock()
	defer c.known.mu.Unlock()
	if c.known.ids != nil {
		return c.known.ids, nil
	}
	ids := make([]string, len(roleFolders))
	g, gctx := errgroup.WithContext(ctx)
	for i, rf := range roleFolders {
		g.Go(func() error {
			cfg := &users.ItemMailFoldersMailFolderItemRequestBuilderGetRequestConfiguration{
				QueryParameters: &users.ItemMailFoldersMailFolderItemRequestBuilderGetQueryParameters{Select: []string{"id"}},
			}
			f, err := c.me().MailFolders().ByMailFolderId(rf.name).Get(gctx, cfg)
			if err != nil {
				err = classify("outlook: get mailFolder "+rf.name, err)
				if errors.Is(err, connector.ErrNotFound) {
					return nil
				}
				return err
			}
			ids[i] = deref(f.GetId())
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := map[string]string{}
	for i, rf := range roleFolders {
		if ids[i] != "" {
			out[rf.name] = ids[i]
		}
	}
	c.known.ids = out
	return out, nil
}

// folderNamer names folders as Folder.ID and Message.Folders do: a
// well-known folder by its well-known name, any other by its id.
type folderNamer map[string]string // id -> well-known name

func namer(known map[string]string) folderNamer {
	n := folderNamer{}
	for name, id := range known {
		n[id] = name
	}
	return n
}

func (n folderNamer) name(id string) string {
	if w, ok := n[id]; ok {
		return w
	}
	return id
}

// Folders lists the mailbox's mail folders: GET /me/mailFolders (the
// top level, hidden folders left out, as Outlook shows them) and, for
// each folder with children, GET /me/mailFolders/{id}/childFolders,
// following @odata.nextLink; a child comes after its parent. Counts are
// totalItemCount and unreadItemCount.
//
// The role folders (inbox, sentitems, drafts, deleteditems, junkemail,
// archive) have their role and, as ID, their well-known name: the name
// Config.Folders takes, that synced messages carry in Message.Folders,
// and that Graph accepts wherever it takes a folder id. Other folders
// have their Graph id. Since Graph v1.0 has no wellKnownName property,
// the role folders' ids are resolved once per Connector with
// GET /me/mailFolders/{name} (a mailbox without an archive has no
// folder with that role).
func (c *Connector) Folders(ctx context.Context) ([]connector.Folder, error) {
	known, err := c.wellKnown(ctx)
	if err != nil {
		return nil, err
	}
	n := namer(known)
	var out []connector.Folder
	var walk func(parent string, page models.MailFolderCollectionResponseable) error
	walk = func(parent string, page models.MailFolderCollectionResponseable) error {
		for {
			for _, f := range page.GetValue() {
				id := deref(f.GetId())
				folder := connector.Folder{
					ID: n.name(id), Name: deref(f.GetDisplayName()), Parent: parent, Selectable: true,
					Total: int64(deref(f.GetTotalItemCount())), Unseen: int64(deref(f.GetUnreadItemCount())), Counted: true,
				}
				for _, rf := range roleFolders {
					if known[rf.name] == id {
						folder.Role, folder.System = rf.role, true
					}
				}
				out = append(out, folder)
				if deref(f.GetChildFolderCount()) > 0 {
					children, err := c.childFolders(ctx, id, "")
					if err != nil {
						return err
					}
					if err := walk(folder.ID, children); err != nil {
						return err
					}
				}
			}
			next := deref(page.GetOdataNextLink())
			if next == "" {
				return nil
			}
			var err error
			if parent == "" {
				page, err = c.me().MailFolders().WithUrl(next).Get(ctx, nil)
			} else {
				page, err = c.childFolders(ctx, "", next)
			}
			if err != nil {
				return classify("outlook: list mailFolders", err)
			}
		}
	}
	top := int32(folderPageSize)
	first, err := c.me().MailFolders().Get(ctx, &users.ItemMailFoldersRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailFoldersRequestBuilderGetQueryParameters{Top: &top},
	})
	if err != nil {
		return nil, classify("outlook: list mailFolders", err)
	}
	if err := walk("", first); err != nil {
		return nil, err
	}
	return out, nil
}

// childFolders gets the first page of folder id's children, or the
// page link names.
func (c *Connector) childFolders(ctx context.Context, id, link string) (models.MailFolderCollectionResponseable, error) {
	var page models.MailFolderCollectionResponseable
	var err error
	if link != "" {
		page, err = c.me().MailFolders().ByMailFolderId("x").ChildFolders().WithUrl(link).Get(ctx, nil)
	} else {
		top := int32(folderPageSize)
		page, err = c.me().MailFolders().ByMailFolderId(id).ChildFolders().Get(ctx, &users.ItemMailFoldersItemChildFoldersRequestBuilderGetRequestConfiguration{
			QueryParameters: &users.ItemMailFoldersItemChildFoldersRequestBuilderGetQueryParameters{Top: &top},
		})
	}
	if err != nil {
		return nil, classify("outlook: list childFolders", err)
	}
	return page, nil
}

// isWellKnown reports whether ref is one of the role folders' names (any
// case) and returns it lower-cased.
func isWellKnown(ref string) (string, bool) {
	l := strings.ToLower(ref)
	for _, rf := range roleFolders {
		if rf.name == l {
			return l, true
		}
	}
	return "", false
}
