package gmail

import (
	"context"
	"errors"
	"strings"

	"golang.org/x/sync/errgroup"
	gmailapi "google.golang.org/api/gmail/v1"

	"github.com/ucsp/integration/connector"
)

var _ connector.FolderLister = (*Connector)(nil)

// labelInbox is the inbox's system label.
const labelInbox = "INBOX"

// roleLabels are the system labels that play a folder role. Gmail has no
// archive label: an archived message is one without INBOX (in "All
// Mail"), so no folder has connector.RoleArchive, and a move to that
// role removes INBOX (see Modify).
var roleLabels = map[string]connector.Role{
	labelInbox: connector.RoleInbox,
	labelSent:  connector.RoleSent,
	labelDraft: connector.RoleDrafts,
	labelTrash: connector.RoleTrash,
	labelSpam:  connector.RoleJunk,
}

// Folders lists the mailbox's labels (labels.list, 1 quota unit), system
// and user ones, in Gmail's order, as connector.Folders whose ID is the
// label id (what Message.Labels, Config.Label and Action.MoveTo hold)
// and Name the label's name. The system labels INBOX, SENT, DRAFT, TRASH
// and SPAM have the roles inbox, sent, drafts, trash and junk; no label
// has the role archive (Gmail archives by removing INBOX). A user label
// named "A/B" has as Parent the id of the label named "A", when there is
// one. Counts come from labels.get (messagesTotal, messagesUnread; 1
// unit each), Concurrency at a time: a label deleted meanwhile is left
// out.
func (c *Connector) Folders(ctx context.Context) ([]connector.Folder, error) {
	var list *gmailapi.ListLabelsResponse
	err := c.call(ctx, "labels.list", retryAll, func(ctx context.Context) error {
		var err error
		list, err = c.svc.Users.Labels.List(me).Context(ctx).Do()
		return err
	})
	if err != nil {
		return nil, err
	}
	labels, err := c.labelCounts(ctx, list.Labels)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]string, len(labels))
	for _, l := range labels {
		if l != nil {
			byName[l.Name] = l.Id
		}
	}
	out := make([]connector.Folder, 0, len(labels))
	for _, l := range labels {
		if l == nil {
			continue
		}
		f := connector.Folder{
			ID: l.Id, Name: l.Name, Role: roleLabels[l.Id], System: l.Type == "system", Selectable: true,
			Total: l.MessagesTotal, Unseen: l.MessagesUnread, Counted: true,
		}
		if i := strings.LastIndexByte(l.Name, '/'); i > 0 && !f.System {
			f.Parent = byName[l.Name[:i]]
		}
		out = append(out, f)
	}
	return out, nil
}

// labelCounts gets each label with its counts (labels.get); a label
// gone meanwhile (404) is nil.
func (c *Connector) labelCounts(ctx context.Context, labels []*gmailapi.Label) ([]*gmailapi.Label, error) {
	out := make([]*gmailapi.Label, len(labels))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.Concurrency)
	for i, l := range labels {
		g.Go(func() error {
			err := c.call(gctx, "labels.get", retryAll, func(ctx context.Context) error {
				got, err := c.svc.Users.Labels.Get(me, l.Id).Context(ctx).Do()
				if err == nil {
					out[i] = got
				}
				return err
			})
			if errors.Is(err, connector.ErrNotFound) {
				return nil
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
