package outlook

import (
	"context"
	"errors"
	"fmt"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/users"
	"golang.org/x/sync/errgroup"

	"github.com/ucsp/integration/connector"
)

var _ connector.Modifier = (*Connector)(nil)

// ActionSupport says what Modify does: seen (isRead), flagged (flag)
// and moves. Outlook has no labels: its categories are names a user
// colours messages with, not places a message is in, and are not
// offered as labels.
func (c *Connector) ActionSupport() connector.ActionSupport {
	return connector.ActionSupport{Seen: true, Flagged: true, Move: true, ChecksTargets: true}
}

// Modify changes msgs (ProviderID: the Graph message id) as a says,
// MaxConcurrency messages at a time: seen and flagged are one
// PATCH /me/messages/{id} ({"isRead"}, {"flag":{"flagStatus":
// "flagged"|"notFlagged"}}), a move one POST /me/messages/{id}/move
// ({"destinationId"}: the folder's id, or the role folder's well-known
// name). A message Graph no longer has (404) gets an ErrNotFound Err in
// its result; throttling (429, 503, 504) is retried by the client's
// retry handler after Retry-After, as for every call.
//
// The destination is checked before any message is touched: a role the
// mailbox has no folder for, or a folder id Graph does not know, is a
// *connector.ValidationError naming role or folder.
//
// The connector asks Graph for immutable ids (Prefer:
// IdType="ImmutableId"), so a moved message keeps its id; each result's
// ProviderID is the id Graph answered all the same, and Flags and
// Folders the message's state after the action (Folders named as
// Folders names them: a well-known name or a folder id), Known.
//
// JSON batching ($batch, 20 requests) is not used: Graph counts each
// request of a batch against the mailbox's limits (10,000 requests per
// 10 minutes, 4 at once) as if sent alone, so it saves round trips but
// no quota, and its per-request throttling answers would need a retry
// loop of their own.
func (c *Connector) Modify(ctx context.Context, msgs []connector.MessageRef, a connector.Action) ([]connector.ActionResult, error) {
	if err := a.Validate(c.ActionSupport()); err != nil {
		return nil, err
	}
	v := &connector.ValidationError{Context: "outlook: invalid action"}
	for i, m := range msgs {
		if m.ProviderID == "" {
			v.Addf(fmt.Sprintf("messages[%d].provider_id", i), "is empty")
		}
	}
	if len(v.Fields) > 0 {
		return nil, v
	}
	if len(msgs) == 0 {
		return []connector.ActionResult{}, nil
	}
	known, err := c.wellKnown(ctx)
	if err != nil {
		return nil, err
	}
	n := namer(known)
	dest, err := c.destination(ctx, a, known, n)
	if err != nil {
		return nil, err
	}
	out := make([]connector.ActionResult, len(msgs))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(c.cfg.MaxConcurrency)
	for i, ref := range msgs {
		g.Go(func() error {
			r, err := c.modifyOne(gctx, ref, a, dest, n)
			if errors.Is(err, connector.ErrNotFound) {
				out[i] = connector.ActionResult{Ref: ref, Err: err}
				return nil
			}
			out[i] = r
			return err
		})
	}
	if err := g.Wait(); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("outlook: modify: %w", ctx.Err())
		}
		return nil, err
	}
	return out, nil
}

// moveTarget is where a move goes: destinationId and the folder's name
// in results.
type moveTarget struct{ id, folder string }

// destination resolves a's move target, checking that it exists: a
// role or well-known name against the mailbox's well-known folders, a
// folder id with GET /me/mailFolders/{id}.
func (c *Connector) destination(ctx context.Context, a connector.Action, known map[string]string, n folderNamer) (*moveTarget, error) {
	field, name := "folder", ""
	switch {
	case a.MoveToRole != connector.RoleNone:
		field, name = "role", roleFolder(a.MoveToRole)
	case a.MoveTo != "":
		if w, ok := isWellKnown(a.MoveTo); ok {
			name = w
		}
	default:
		return nil, nil
	}
	if name != "" {
		if known[name] == "" {
			return nil, invalidAction(field, "this mailbox has no "+name+" folder")
		}
		return &moveTarget{id: name, folder: name}, nil
	}
	cfg := &users.ItemMailFoldersMailFolderItemRequestBuilderGetRequestConfiguration{
		QueryParameters: &users.ItemMailFoldersMailFolderItemRequestBuilderGetQueryParameters{Select: []string{"id"}},
	}
	f, err := c.me().MailFolders().ByMailFolderId(a.MoveTo).Get(ctx, cfg)
	if err != nil {
		err = classify("outlook: get mailFolder", err)
		if errors.Is(err, connector.ErrNotFound) || StatusCode(err) == 400 {
			return nil, invalidAction("folder", fmt.Sprintf("no folder %q in this mailbox", a.MoveTo))
		}
		return nil, err
	}
	id := deref(f.GetId())
	return &moveTarget{id: id, folder: n.name(id)}, nil
}

// modifyOne patches then moves one message.
func (c *Connector) modifyOne(ctx context.Context, ref connector.MessageRef, a connector.Action, dest *moveTarget, n folderNamer) (connector.ActionResult, error) {
	var m models.Messageable
	id := ref.ProviderID
	if a.Seen != nil || a.Flagged != nil {
		patch := models.NewMessage()
		if a.Seen != nil {
			patch.SetIsRead(a.Seen)
		}
		if a.Flagged != nil {
			st := models.NOTFLAGGED_FOLLOWUPFLAGSTATUS
			if *a.Flagged {
				st = models.FLAGGED_FOLLOWUPFLAGSTATUS
			}
			flag := models.NewFollowupFlag()
			flag.SetFlagStatus(&st)
			patch.SetFlag(flag)
		}
		var err error
		if m, err = c.me().Messages().ByMessageId(id).Patch(ctx, patch, nil); err != nil {
			return connector.ActionResult{}, classify("outlook: update message", err)
		}
	}
	folder := ""
	if dest != nil {
		body := users.NewItemMessagesItemMovePostRequestBody()
		body.SetDestinationId(&dest.id)
		var err error
		if m, err = c.me().Messages().ByMessageId(id).Move().Post(ctx, body, nil); err != nil {
			return connector.ActionResult{}, classify("outlook: move message", err)
		}
		folder = dest.folder
	}
	if m == nil {
		return connector.ActionResult{}, connector.PermanentError("outlook: modify", errors.New("graph answered no message"))
	}
	if folder == "" {
		folder = n.name(deref(m.GetParentFolderId()))
	}
	r := connector.ActionResult{Ref: ref, ProviderID: deref(m.GetId()), ProviderRef: ref.ProviderRef, Flags: flagsOf(m), Known: true}
	if r.ProviderID == "" {
		r.ProviderID = id
	}
	if folder != "" {
		r.Folders = []string{folder}
	}
	return r, nil
}

// invalidAction is a ValidationError of one field.
func invalidAction(field, msg string) error {
	v := &connector.ValidationError{Context: "outlook: invalid action"}
	v.Addf(field, "%s", msg)
	return v
}
